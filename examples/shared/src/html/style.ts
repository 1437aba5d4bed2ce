/** The whole stylesheet, served at /style.css (same origin, so the CSP can stay `style-src 'self'`). */
export const STYLESHEET = `
:root {
  --bg: #f5f6f8; --card: #fff; --text: #1f2328; --muted: #5f6b7a; --line: #dde1e6;
  --brand: #3056d3; --brand-dark: #2343ab; --danger: #c0392b; --ok: #1e7e34; --warn: #9a6700;
  --radius: 8px; font-size: 16px;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--brand); }
header.top { background: #1f2a44; color: #fff; }
header.top .bar { max-width: 880px; margin: 0 auto; padding: 12px 20px; display: flex; align-items: center; gap: 18px; flex-wrap: wrap; }
header.top .logo { font-weight: 700; color: #fff; text-decoration: none; letter-spacing: .3px; }
header.top .logo span { color: #8fb3ff; }
header.top nav { display: flex; gap: 14px; flex: 1; flex-wrap: wrap; }
header.top nav a { color: #d6def0; text-decoration: none; font-size: 14px; }
header.top nav a:hover, header.top nav a.active { color: #fff; text-decoration: underline; }
header.top .who { font-size: 14px; color: #d6def0; display: flex; gap: 10px; align-items: center; }
header.top .who form { margin: 0; }
header.top .who a { color: #fff; }
header.top .who button { background: transparent; border: 1px solid #6b7a99; color: #fff; padding: 3px 10px; font-size: 13px; }
main { max-width: 880px; margin: 28px auto; padding: 0 20px; }
main.narrow { max-width: 460px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 0 0 12px; }
p.lead { color: var(--muted); margin: 0 0 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 20px 22px; margin-bottom: 20px; box-shadow: 0 1px 2px rgba(0,0,0,.03); }
label { display: block; font-weight: 600; font-size: 14px; margin: 12px 0 4px; }
label.inline { display: inline-flex; align-items: center; gap: 6px; font-weight: 400; margin: 4px 16px 4px 0; }
input[type=text], input[type=email], input[type=password], input[type=number], select, textarea {
  width: 100%; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; background: #fff; }
input:focus, select:focus { outline: 2px solid #a9bdf5; border-color: var(--brand); }
.row { display: flex; gap: 14px; flex-wrap: wrap; }
.row > div { flex: 1; min-width: 150px; }
button, .button { display: inline-block; background: var(--brand); color: #fff; border: 0; border-radius: 6px;
  padding: 8px 16px; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: var(--brand-dark); }
button.secondary { background: #eef1f6; color: var(--text); border: 1px solid var(--line); }
button.danger { background: #fff; color: var(--danger); border: 1px solid #e3b4ae; }
button.small { padding: 3px 10px; font-size: 13px; font-weight: 500; }
.actions { margin-top: 16px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.muted { color: var(--muted); font-size: 14px; }
.flash { padding: 10px 14px; border-radius: 6px; margin-bottom: 18px; border: 1px solid; }
.flash.ok { background: #e9f6ec; border-color: #b5dfc0; color: #14532d; }
.flash.error { background: #fcecea; border-color: #f0c2bc; color: #7f1d1d; }
.flash.info { background: #eef3ff; border-color: #c6d4fb; color: #1e3a8a; }
.secret { display: block; font: 14px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #0f172a; color: #e2e8f0;
  padding: 10px 12px; border-radius: 6px; word-break: break-all; margin: 8px 0; user-select: all; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f6; padding: 1px 5px; border-radius: 4px; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
td form { display: inline; margin: 0 4px 0 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #eef1f6; color: var(--muted); }
.badge.active, .badge.admin { background: #e9f6ec; color: var(--ok); }
.badge.revoked, .badge.expired { background: #fcecea; color: var(--danger); }
.badge.rotated { background: #eef3ff; color: #1e3a8a; }
.badge.exhausted { background: #fff4d6; color: var(--warn); }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.stats div { background: #f7f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; font-size: 13px; }
.stats b { font-size: 16px; display: block; }
.mail { border: 1px solid var(--line); border-radius: var(--radius); background: #fff; margin-bottom: 14px; }
.mail .head { padding: 10px 14px; border-bottom: 1px solid var(--line); background: #fafbfc; font-size: 14px; }
.mail .head b { display: inline-block; min-width: 64px; color: var(--muted); font-weight: 600; }
.mail pre { margin: 0; padding: 12px 14px; white-space: pre-wrap; word-break: break-all; font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.mail .links { padding: 0 14px 12px; }
.empty { text-align: center; color: var(--muted); padding: 26px 0; }
.dev-banner { background: #fff4d6; border-bottom: 1px solid #f0d68a; color: #6b4f00; font-size: 13px; text-align: center; padding: 4px; }
ul.try { padding-left: 18px; } ul.try li { margin: 6px 0; }
code[data-try] { word-break: break-all; }
/* Phones (390 px and the like): tables become one labelled block per row instead of
   eight columns that push the page sideways; labels come from each cell's data-label. */
@media (max-width: 640px) {
  main { margin: 18px auto; padding: 0 12px; }
  .card { padding: 16px 14px; }
  header.top .bar { padding: 10px 12px; gap: 10px; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr { display: block; width: 100%; }
  table.stack tr { border-bottom: 1px solid var(--line); padding: 8px 0; }
  table.stack td { display: flex; justify-content: space-between; align-items: center; gap: 12px; border: 0; padding: 3px 0; text-align: right; overflow-wrap: anywhere; }
  table.stack td::before { content: attr(data-label); flex: none; white-space: nowrap; color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; text-align: left; }
  table.stack td:empty { display: none; }
  table.stack td:last-child { justify-content: flex-end; }
}
`;
