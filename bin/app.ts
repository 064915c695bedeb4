/**
 * The CDK app: the audit log stack, checked against cdk-nag's AWS Solutions rules on
 * every synth (a finding fails the synth unless it is acknowledged with a reason).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuditLogStack } from '../lib/AuditLogStack';

const app = new App();
new AuditLogStack(app, 'AuditLog');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
