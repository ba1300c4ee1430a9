/**
 * Pure helpers for the terminal replay: what to write to the screen for a
 * step (ANSI text with CRLF line ends), and the screen height to reserve.
 */
export interface ReplayStep {
  command: string;
  output: string;
}

export const PROMPT = '\x1b[32m$\x1b[0m ';

/** Continuation lines of a multi-line command get a `> ` prompt, as bash shows. */
export function commandText(command: string): string {
  return command.split('\n').join('\r\n\x1b[32m>\x1b[0m ');
}

export function outputText(output: string): string {
  return output === '' ? '' : `${output.split('\n').join('\r\n')}\r\n`;
}

/** The whole of one step as it appears once finished. */
export function stepText(step: ReplayStep): string {
  return `${PROMPT}${commandText(step.command)}\r\n${outputText(step.output)}`;
}

/** Screen rows to reserve: the session's line count, between 6 and 20. */
export function screenRows(steps: readonly ReplayStep[]): number {
  const lines = steps.reduce((n, s) => n + s.command.split('\n').length + (s.output === '' ? 0 : s.output.split('\n').length), 1);
  return Math.max(6, Math.min(20, lines));
}

export const SPEEDS = [0.5, 1, 1.5, 2, 4] as const;
