import { firstError, type FormState } from "@/lib/http/field-errors";
import { FormError } from "./field";

/** What a form's last action answered: its error, or its success message (nothing before the first submit). */
export function ActionOutcome({ state }: { state: FormState }) {
  const error = firstError(state);
  if (error) return <FormError message={error} />;
  if (state?.ok && state.message) return <p role="status" className="text-sm text-green-700 dark:text-green-400">{state.message}</p>;
  return null;
}
