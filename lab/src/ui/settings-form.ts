/** A form of hyper-parameters: one labelled select, number or text input per field of a settings object. */
export type Field<S> =
  | { key: keyof S & string; label: string; options: readonly string[] }
  | { key: keyof S & string; label: string; text: true }
  | { key: keyof S & string; label: string; min: number; max: number; step?: number };

/** Builds the inputs into `parent`; `onChange` gets the whole settings object after each edit. */
export function settingsForm<S extends object>(
  parent: HTMLElement,
  fields: readonly Field<S>[],
  initial: S,
  onChange: (settings: S) => void,
): void {
  const settings = { ...initial };
  for (const field of fields) {
    const label = document.createElement("label");
    label.textContent = field.label;
    const value = String(settings[field.key as keyof S]);
    let input: HTMLInputElement | HTMLSelectElement;
    if ("options" in field) {
      input = document.createElement("select");
      for (const option of field.options) input.add(new Option(option, option, false, option === value));
    } else if ("text" in field) {
      input = Object.assign(document.createElement("input"), { type: "text", value });
    } else {
      input = Object.assign(document.createElement("input"), {
        type: "number",
        min: String(field.min),
        max: String(field.max),
        step: String(field.step ?? 1),
        value,
      });
    }
    input.name = field.key;
    input.addEventListener("change", () => {
      const raw = input.value;
      const parsed = "min" in field ? Math.min(field.max, Math.max(field.min, Number(raw))) : raw;
      if (typeof parsed === "number" && !Number.isFinite(parsed)) return;
      input.value = String(parsed);
      (settings as Record<string, unknown>)[field.key] = parsed;
      onChange({ ...settings });
    });
    label.append(input);
    parent.append(label);
  }
}

/** The random seed, a field of every training page. */
export const SEED_FIELD = { key: "seed", label: "seed", min: 0, max: 9999 } as const;

/** The learning rate, up to `max` (1 where SGD-sized steps make sense, 0.1 for the Adam-trained models). */
export const learningRateField = (max: number) =>
  ({ key: "lr", label: "learning rate", min: 0.0001, max, step: 0.0001 }) as const;

/** The batch size, up to `max`. */
export const batchField = (max: number) => ({ key: "batchSize", label: "batch", min: 1, max }) as const;
