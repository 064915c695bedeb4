/**
 * Shared helpers of the infra tests: one synthesized `AuditLogStack` per test file,
 * and small lookups over its template (route → function → IAM statements).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuditLogStack } from '../../lib/AuditLogStack';

/** A CloudFormation resource, loosely typed. */
export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, any>;
}

/** An IAM policy statement, normalised: `Action` and `Resource` always arrays. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
}

/**
 * Synthesizes the stack as `bin/app.ts` does, without bundling Lambda code (template
 * assertions do not need it; the cdk-nag test bundles for real).
 */
export function synthStack(): { stack: AuditLogStack; template: Template; resources: Record<string, Resource> } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AuditLogStack(app, 'AuditLog');
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources };
}

/** `[logicalId, resource]` of every resource of `type`. */
export function ofType(resources: Record<string, Resource>, type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The logical id of the Lambda function behind a route key such as `GET /v1/events`. */
export function functionOfRoute(resources: Record<string, Resource>, routeKey: string): string {
  const route = ofType(resources, 'AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey);
  if (!route) throw new Error(`No route ${routeKey}`);
  const target = route[1].Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
  const integration = resources[target['Fn::Join'][1][1].Ref];
  return functionReferencedBy(integration.Properties.IntegrationUri);
}

/** The logical id of the function whose `Fn::GetAtt [fn, Arn]` appears in `value`. */
export function functionReferencedBy(value: unknown): string {
  const found = JSON.stringify(value).match(/"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/);
  if (!found) throw new Error(`No function ARN in ${JSON.stringify(value)}`);
  return found[1];
}

/** Every Allow statement of every IAM policy attached to the execution role of function `fnId`. */
export function statementsOf(resources: Record<string, Resource>, fnId: string): Statement[] {
  const roleId = (resources[fnId].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const array = (v: unknown): any[] => (Array.isArray(v) ? v : [v]);
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => array(p.Properties.Roles ?? []).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[])
    .filter((s) => s.Effect === 'Allow')
    .map((s) => ({ Effect: s.Effect, Action: array(s.Action), Resource: array(s.Resource) }));
}

/** The actions `statements` allow on the given table (or its indexes), by table logical id. */
export function actionsOnTable(statements: Statement[], tableId: string): Set<string> {
  const onTable = statements.filter((s) => s.Resource.some((r) => JSON.stringify(r).includes(`"${tableId}"`)));
  return new Set(onTable.flatMap((s) => s.Action));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalIdOf(resources: Record<string, Resource>, type: string, prefix: string): string {
  const ids = ofType(resources, type).map(([id]) => id).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`Expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}
