/**
 * The rows of `npm run bench` (see bench/table.ts for what a row is). Add a row by
 * adding it to `rows` below (or to a group file under bench/rows/): it then runs with
 * the others, lands in the table and in bench-results/latest.json, and `--only=ID`
 * runs it alone.
 */
import { actionRows } from './rows/actions.js';
import { cliRows } from './rows/cli.js';
import { cryptoRows } from './rows/crypto.js';
import { deviceRows } from './rows/devices.js';
import { drainRows } from './rows/drain.js';
import { fileRows } from './rows/files.js';
import { fleetRows } from './rows/fleet.js';
import { groupRows } from './rows/groups.js';
import { hostRows } from './rows/host.js';
import { profileRows } from './rows/profile.js';
import { relayRows } from './rows/relay.js';
import { searchRows } from './rows/search.js';
import { sendRows } from './rows/send.js';
import { sessionRows } from './rows/sessions.js';
import { storeFlushRows } from './rows/storeFlush.js';
import { unlinkRows } from './rows/unlink.js';
import type { Row } from './table.js';

export function rows(quick: boolean): Row[] {
  return [
    ...cryptoRows,
    ...relayRows(quick),
    ...sessionRows(quick),
    ...fleetRows(quick),
    ...storeFlushRows,
    ...unlinkRows,
    ...drainRows,
    ...sendRows,
    ...deviceRows,
    ...profileRows,
    ...searchRows,
    ...actionRows,
    ...hostRows,
    ...cliRows,
    ...fileRows,
    ...groupRows,
  ];
}
