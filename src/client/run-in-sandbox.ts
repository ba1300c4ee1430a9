/**
 * The "Run in my sandbox" contract between blocks and the sandbox panel.
 * A block dispatches RUN_IN_SANDBOX_EVENT on `document` with the command; the
 * panel (src/client/sandbox.client.ts) opens, connects if needed and types
 * the command into the learner's shell without pressing Enter. Buttons with
 * the class `db-run-in-sandbox` are shown only while `<html data-sandbox="on">`
 * (the server answered that sandbox mode is available).
 */
export const RUN_IN_SANDBOX_EVENT = 'drillbook:run-in-sandbox';

export interface RunInSandboxDetail {
  command: string;
}

export function runInSandbox(command: string): void {
  document.dispatchEvent(new CustomEvent<RunInSandboxDetail>(RUN_IN_SANDBOX_EVENT, { detail: { command } }));
}

/**
 * What is typed for a command: its lines exactly as written, joined by the
 * line break Enter sends (CR), with no line break at the end, so the learner
 * presses Enter. The terminal sends a multi-line command as a bracketed
 * paste when the shell asked for one (bash does at each prompt): readline
 * then inserts every line as text and runs nothing. Without bracketed paste,
 * the lesson's multi-line commands still wait for Enter, because their
 * inner line breaks follow a `\` continuation or sit inside quotes.
 */
export function shellInput(command: string): string {
  return command.replace(/\r\n?/g, '\n').replace(/\s+$/, '').replace(/\n/g, '\r');
}
