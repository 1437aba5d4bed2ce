import { randomUUID } from 'node:crypto';

/** The tiny resource behind the example's JSON API (`/api/notes`). */
export interface Note {
  id: string;
  ownerId: string;
  text: string;
  createdAt: number;
}

export class NoteStore {
  private readonly notes = new Map<string, Note[]>();

  list(ownerId: string): Note[] {
    return this.notes.get(ownerId) ?? [];
  }

  add(ownerId: string, text: string): Note {
    const note: Note = { id: `n_${randomUUID().slice(0, 8)}`, ownerId, text, createdAt: Date.now() };
    const list = this.notes.get(ownerId) ?? [];
    list.unshift(note);
    // Bounded: this is a demo, not a database.
    list.length = Math.min(list.length, 100);
    this.notes.set(ownerId, list);
    return note;
  }
}
