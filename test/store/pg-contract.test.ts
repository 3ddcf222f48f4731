// The store contract against PostgreSQL (a schema per test in the test database; see pg-test-database.ts).
import { describeImportRowsContract } from './contract/import-rows-contract.js';
import { describeInFlightContract } from './contract/in-flight-contract.js';
import { describeConcurrencyContract } from './contract/leases-contract.js';
import { describeRequestsContract } from './contract/requests-contract.js';
import { describeScheduleContract } from './contract/schedule-contract.js';
import { describeSeenSignaturesContract } from './contract/seen-signatures-contract.js';
import { postgresTarget } from './contract/targets.js';

describeRequestsContract(postgresTarget);
describeInFlightContract(postgresTarget);
describeConcurrencyContract(postgresTarget);
describeScheduleContract(postgresTarget);
describeImportRowsContract(postgresTarget);
describeSeenSignaturesContract(postgresTarget);
