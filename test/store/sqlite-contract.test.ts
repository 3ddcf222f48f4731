// The store contract against SQLite (a file per test).
import { describeImportRowsContract } from './contract/import-rows-contract.js';
import { describeInFlightContract } from './contract/in-flight-contract.js';
import { describeConcurrencyContract } from './contract/leases-contract.js';
import { describeRequestsContract } from './contract/requests-contract.js';
import { describeScheduleContract } from './contract/schedule-contract.js';
import { describeSeenSignaturesContract } from './contract/seen-signatures-contract.js';
import { sqliteTarget } from './contract/targets.js';

describeRequestsContract(sqliteTarget);
describeInFlightContract(sqliteTarget);
describeConcurrencyContract(sqliteTarget);
describeScheduleContract(sqliteTarget);
describeImportRowsContract(sqliteTarget);
describeSeenSignaturesContract(sqliteTarget);
