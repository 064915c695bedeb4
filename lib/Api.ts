import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AuditFunction } from './AuditFunction';
import { ENV, functionsOf, ROUTES, type RouteSpec } from './catalogue';
import { ACCESS_LOG_FORMAT, API_DEFAULTS, newLogGroup } from './defaults';
import type { EventStore } from './EventStore';
import type { ExportWorkflow } from './ExportWorkflow';
import type { LiveStream } from './LiveStream';
import { newCatalogueFunction } from './needs';

/** Properties of the {@link Api}. */
export interface ApiProps {
  /** Where events, tokens and settings live; each route gets the access its spec asks for. */
  readonly eventStore: EventStore;
  /**
   * Configuration every route handler gets, e.g. `RETENTION_DAYS`, `MAX_RETENTION_DAYS`
   * and `SHARD_COUNT` from stack parameters.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** The routes to serve, one function each. @default the catalogue's HTTP functions (lib/catalogue.ts) */
  readonly routes?: readonly RouteSpec[];
  /** The live stream, whose URL the ticket route hands out. @default - none (a route needing it is an error) */
  readonly liveStream?: LiveStream;
  /** Steady-state request rate limit of the stage (req/s); may be a token. @default 1000 */
  readonly throttleRateLimit?: number;
  /** Burst limit of the stage; may be a token. @default 2000 */
  readonly throttleBurstLimit?: number;
  /** Days to keep access and function logs; may be a token. @default 30 */
  readonly logRetentionDays?: number;
  /**
   * Origins allowed by CORS. Any origin is safe here: the API authenticates with a bearer
   * token that a browser never attaches on its own (no cookies, no credentials mode), so a
   * foreign page can do nothing a script without the token could not do anyway; and the
   * web viewer may be served from any domain.
   * @default ['*']
   */
  readonly corsAllowOrigins?: string[];
  /**
   * The CSV export workflow, for routes that need it (`startExport`, `presignDownloads`).
   * @default - none (no route may need it)
   */
  readonly exportWorkflow?: ExportWorkflow;
  /**
   * Who may show the web viewer in a frame: CSP `frame-ancestors` sources, e.g.
   * `'self' https://app.example.com`; may be a token (stack parameter ViewerFrameAncestors).
   * @default "'none'" (no framing)
   */
  readonly viewerFrameAncestors?: string;
}

/**
 * The public HTTP API (API Gateway HTTP API, payload format 2.0): one {@link AuditFunction}
 * per HTTP function of the catalogue (`lib/catalogue.ts`), with exactly what its `needs` say.
 *
 * - A Lambda authorizer (token → tenant + scopes, simple responses) guards every route
 *   except `public` ones; it is the API's default, so a route added without thought is
 *   protected. Decisions are cached 30 s per `Authorization` header; with the authorizer's
 *   own 25 s cache a revoked token stops working within 60 s.
 * - The `$default` stage throttles (rate and burst; stack parameters) and writes JSON
 *   access logs.
 * - A generated secret signs pagination cursors (`CURSOR_SECRET`).
 */
export class Api extends Construct {
  /** The HTTP API. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage (auto-deployed). */
  public readonly stage: apigwv2.HttpStage;
  /** The API's base URL, ending in `/`. */
  public readonly url: string;
  /** The authorizer's function. */
  public readonly authorizerFunction: AuditFunction;
  /** Route id (catalogue id) → its function. */
  public readonly routeFunctions: ReadonlyMap<string, AuditFunction>;
  /** The cursor-signing secret. */
  public readonly cursorSecret: secretsmanager.Secret;
  /** The access log group of the stage. */
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { eventStore } = props;

    this.cursorSecret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'HMAC key that signs the audit log API pagination cursors',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // Losing the key only invalidates outstanding cursors; nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the cursor key invalidates every outstanding cursor (clients restart paging, nothing is lost); rotate manually by updating the secret and redeploying.',
    });

    const [authorizerSpec] = functionsOf('authorizer');
    this.authorizerFunction = newCatalogueFunction(this, authorizerSpec!, { eventStore }, {
      logRetentionDays: props.logRetentionDays,
      environment: { TOKEN_CACHE_SECONDS: String(API_DEFAULTS.tokenCacheSeconds) },
    });
    const authorizer = new HttpLambdaAuthorizer('TokenAuthorizer', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: API_DEFAULTS.authorizerCacheTtl,
    });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'Serverless multi-tenant audit log API',
      defaultAuthorizer: authorizer,
      // Created below, with throttling and access logs (HttpApiProps cannot configure it).
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.corsAllowOrigins ?? ['*'],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: API_DEFAULTS.corsMaxAge,
      },
    });

    this.accessLogGroup = newLogGroup(this, 'AccessLogs', props.logRetentionDays);
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttleRateLimit ?? API_DEFAULTS.throttleRateLimit,
        burstLimit: props.throttleBurstLimit ?? API_DEFAULTS.throttleBurstLimit,
      },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    this.url = this.stage.url;

    const routeFunctions = new Map<string, AuditFunction>();
    for (const route of props.routes ?? ROUTES) {
      const fn = newCatalogueFunction(this, route, {
        eventStore, exportWorkflow: props.exportWorkflow, liveStream: props.liveStream,
        ...(props.viewerFrameAncestors ? { viewer: { frameAncestors: props.viewerFrameAncestors } } : {}),
      }, {
        description: `${route.trigger.method} ${route.trigger.path}`,
        logRetentionDays: props.logRetentionDays,
        environment: {
          ...props.environment,
          // A CloudFormation dynamic reference ({{resolve:secretsmanager:…}}): CloudFormation
          // resolves it at deploy time, so the key is never in the template or the cloud
          // assembly, and the function needs no Secrets Manager call (and no IAM grant) at
          // cold start. Whoever can read the function's configuration can read the key;
          // that is no more than whoever can change the function's code.
          [ENV.cursorSecret]: this.cursorSecret.secretValue.unsafeUnwrap(),
        },
      });

      const { method, path, public: isPublic } = route.trigger;
      const [httpRoute] = this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod[method]],
        integration: new HttpLambdaIntegration(`${route.id}Integration`, fn),
        ...(isPublic ? { authorizer: new apigwv2.HttpNoneAuthorizer() } : {}),
      });
      if (isPublic) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${method} ${path} is public by design (its trigger is public): it serves only the API description or the web viewer's static files, no tenant data.`,
        });
      }
      routeFunctions.set(route.id, fn);
    }
    this.routeFunctions = routeFunctions;
  }
}
