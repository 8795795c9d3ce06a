/** Object labels as people read them, and the order the UI lists them in. */
import type { ObjectLabel } from '../../../preload/api.ts';

export const LABELS: readonly ObjectLabel[] = ['person', 'car', 'bicycle', 'motorbike', 'dog', 'cat', 'bird'];

const NAMES: Record<ObjectLabel, string> = {
  person: 'Person',
  car: 'Car',
  bicycle: 'Bicycle',
  motorbike: 'Motorbike',
  dog: 'Dog',
  cat: 'Cat',
  bird: 'Bird',
};

export function labelName(label: string): string {
  return (NAMES as Record<string, string>)[label] ?? label;
}

/** Toggles one label in a list, keeping the UI's order. */
export function toggleLabel(list: readonly ObjectLabel[], label: ObjectLabel): ObjectLabel[] {
  const next = new Set(list);
  if (next.has(label)) next.delete(label);
  else next.add(label);
  return LABELS.filter((l) => next.has(l));
}
