import { version } from '@mserve/inference';
export const v = version;
