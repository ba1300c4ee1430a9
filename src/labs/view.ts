/** The lab views the API answers: defined beside the lab block, whose browser element reads them. */
export type { LabCheckView, LabView } from '../blocks/lab/view.ts';
