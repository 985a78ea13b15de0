// Keys, QPS limits and credits on the embedded default: SQLite store, in-process limiter.
import { accountSuite } from './account-suite.ts';
import { SQLITE_BACKEND } from './support.ts';

accountSuite(SQLITE_BACKEND);
