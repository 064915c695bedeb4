/**
 * API tokens in the Control table. A token reads `alog_<id>_<secret>`; only a
 * SHA-256 of the 256-bit random secret is stored (item `TOKEN#<id>`), so the
 * value is shown once and never again. Tokens are listed per tenant through
 * the sparse `byTenant` index.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulidx';
import { CONTROL_INDEX } from '../core/keys.js';
import type { Restriction, Scope, Viewer } from '../core/schemas.js';
import type { DocumentClient } from './dynamodb.js';
import { transactWrite, type TransactItem } from './transactions.js';

const PREFIX = 'alog';
const TOKEN_FORMAT = /^alog_([0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;

/** A token as listed (never with its value). */
export interface TokenInfo {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  /** Fixed filters every read made with the token is ANDed with. */
  restrict?: Restriction;
  /** For a viewer session's token: whom the host application issued it to. */
  viewer?: Viewer;
}

interface TokenItem extends TokenInfo {
  pk: string;
  sk: string;
  gp: string;
  gs: string;
  hash: string;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
const itemKey = (id: string) => ({ pk: `TOKEN#${id}`, sk: 'TOKEN' });
const info = ({ id, tenant, name, scopes, createdAt, expiresAt, revokedAt, restrict, viewer }: TokenItem): TokenInfo =>
  JSON.parse(JSON.stringify({ id, tenant, name, scopes, createdAt, expiresAt, revokedAt, restrict, viewer }));

/** A fresh token id (lower-case ULID), for callers that must name the token before creating it. */
export const newTokenId = (): string => ulid().toLowerCase();

/** What {@link createTokenStore} needs. */
export interface TokenStoreConfig {
  readonly ddb: DocumentClient;
  /** The Control table. */
  readonly tableName: string;
}

/** API tokens. */
export interface TokenStore {
  /**
   * Issues a token; the returned `token` value is the only copy there will ever
   * be. `alongside` writes (the audit event) land in the same transaction.
   */
  createToken(input: { id?: string; tenant: string; name: string; scopes: Scope[]; expiresAt?: string; restrict?: Restriction; viewer?: Viewer }, alongside?: TransactItem[]): Promise<TokenInfo & { token: string }>;
  /** The tenant's tokens, newest first (at most 1,000). */
  listTokens(tenant: string): Promise<TokenInfo[]>;
  /** Token `id` of `tenant`, or undefined (also for other tenants' tokens). */
  getToken(tenant: string, id: string): Promise<TokenInfo | undefined>;
  /**
   * Marks an unrevoked token of `tenant` revoked at `at`, together with the
   * `alongside` writes (the audit event). Fails if it was revoked meanwhile.
   */
  revokeToken(tenant: string, id: string, at: string, alongside?: TransactItem[]): Promise<void>;
  /** The token's owner and scopes when `token` is genuine, unexpired and unrevoked; otherwise undefined. */
  verifyToken(token: string): Promise<TokenInfo | undefined>;
}

/** API tokens in the Control table `tableName`. */
export function createTokenStore({ ddb, tableName: TableName }: TokenStoreConfig): TokenStore {
  return {
    async createToken(input, alongside = []) {
      const id = input.id ?? newTokenId();
      const secret = randomBytes(32).toString('base64url');
      const createdAt = new Date().toISOString();
      const item: TokenItem = {
        ...itemKey(id), id, tenant: input.tenant, name: input.name, scopes: input.scopes, createdAt,
        ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
        ...(input.restrict ? { restrict: input.restrict } : {}),
        ...(input.viewer ? { viewer: input.viewer } : {}),
        gp: `TENANT#${input.tenant}#TOKENS`, gs: `${createdAt}#${id}`, hash: hashOf(secret),
      };
      await transactWrite(ddb, [{ Put: { TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, ...alongside]);
      return { ...info(item), token: `${PREFIX}_${id}_${secret}` };
    },

    async listTokens(tenant) {
      const r = await ddb.send(new QueryCommand({
        TableName, IndexName: CONTROL_INDEX.name, KeyConditionExpression: `${CONTROL_INDEX.partitionKey} = :gp`,
        ExpressionAttributeValues: { ':gp': `TENANT#${tenant}#TOKENS` }, ScanIndexForward: false, Limit: 1000,
      }));
      return (r.Items as TokenItem[] | undefined ?? []).map(info);
    },

    async getToken(tenant, id) {
      if (!/^[0-9a-z]{26}$/.test(id)) return undefined;
      const item = (await ddb.send(new GetCommand({ TableName, Key: itemKey(id), ConsistentRead: true }))).Item as TokenItem | undefined;
      return item && item.tenant === tenant ? info(item) : undefined;
    },

    async revokeToken(tenant, id, at, alongside = []) {
      await transactWrite(ddb, [
        {
          Update: {
            TableName, Key: itemKey(id), UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND tenant = :t AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':at': at, ':t': tenant },
          },
        },
        ...alongside,
      ]);
    },

    async verifyToken(token) {
      const match = TOKEN_FORMAT.exec(token);
      if (!match) return undefined;
      const [, id, secret] = match;
      const item = (await ddb.send(new GetCommand({ TableName, Key: itemKey(id!), ConsistentRead: true }))).Item as TokenItem | undefined;
      if (!item) return undefined;
      const a = Buffer.from(item.hash, 'hex');
      const b = Buffer.from(hashOf(secret!), 'hex');
      if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
      if (item.revokedAt || (item.expiresAt && Date.parse(item.expiresAt) <= Date.now())) return undefined;
      return info(item);
    },
  };
}
