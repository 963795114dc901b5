export { createDoctorClients, type DoctorClientOptions, type DoctorClients } from './doctor-clients';
export { type DoctorRow } from './doctor-row';
export { QUOTA_NAMES } from './quota-check';
export { trustAllows } from './role-check';
export { runDoctor, type DoctorResult } from './run-doctor';
