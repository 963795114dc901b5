import { MOTO_CREDENTIALS } from '../local/moto-server';

/**
 * The few S3 and DynamoDB calls the local runner makes against moto (create the state bucket and lock table,
 * snapshot and restore state objects), as plain HTTP. moto does not check request signatures; the Authorization
 * header only carries the region, which moto reads from the credential scope.
 */
export class MotoAws {
  constructor(
    readonly endpoint: string,
    readonly region: string,
  ) {}

  private headers(service: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20250101/${this.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...extra,
    };
  }

  private async s3(method: string, pathAndQuery: string, body?: Buffer | string): Promise<Response> {
    return fetch(`${this.endpoint}${pathAndQuery}`, {
      method,
      headers: this.headers('s3'),
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  }

  private static objectPath(bucket: string, key: string): string {
    return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Creates the bucket unless it exists. */
  async ensureBucket(bucket: string): Promise<void> {
    const body =
      this.region === 'us-east-1'
        ? undefined
        : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${this.region}</LocationConstraint></CreateBucketConfiguration>`;
    const response = await this.s3('PUT', `/${bucket}`, body);
    const text = await response.text();
    if (!response.ok && !text.includes('BucketAlreadyOwnedByYou') && !text.includes('BucketAlreadyExists')) {
      throw new Error(`moto: cannot create bucket ${bucket}: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
  }

  async listBuckets(): Promise<string[]> {
    const response = await this.s3('GET', '/');
    const text = await response.text();
    if (!response.ok) throw new Error(`moto: ListBuckets failed: HTTP ${response.status}`);
    return [...text.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => decodeXml(m[1] ?? ''));
  }

  async listObjects(bucket: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const query = `?list-type=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
      const response = await this.s3('GET', `/${bucket}${query}`);
      const text = await response.text();
      if (!response.ok) throw new Error(`moto: ListObjectsV2 ${bucket} failed: HTTP ${response.status}`);
      keys.push(...[...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decodeXml(m[1] ?? '')));
      const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text);
      if (!/<IsTruncated>true<\/IsTruncated>/.test(text) || !next) return keys;
      token = decodeXml(next[1] ?? '');
    }
    throw new Error(`moto: ListObjectsV2 ${bucket}: too many pages`);
  }

  /** The object's bytes, or undefined when it does not exist. */
  async getObject(bucket: string, key: string): Promise<Buffer | undefined> {
    const response = await this.s3('GET', MotoAws.objectPath(bucket, key));
    if (response.status === 404) return undefined;
    if (!response.ok)
      throw new Error(`moto: GetObject s3://${bucket}/${key} failed: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async putObject(bucket: string, key: string, body: Buffer): Promise<void> {
    const response = await this.s3('PUT', MotoAws.objectPath(bucket, key), body);
    if (!response.ok)
      throw new Error(`moto: PutObject s3://${bucket}/${key} failed: HTTP ${response.status}`);
  }

  private async dynamodb(
    target: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: this.headers('dynamodb', {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${target}`,
      }),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Creates the Terraform lock table (hash key LockID) unless it exists. */
  async ensureLockTable(table: string): Promise<void> {
    const { status, json } = await this.dynamodb('CreateTable', {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    if (status >= 300 && !String(json.__type ?? '').includes('ResourceInUseException')) {
      throw new Error(
        `moto: cannot create table ${table}: HTTP ${status} ${JSON.stringify(json).slice(0, 200)}`,
      );
    }
  }

  /** Writes an item of string attributes (tests: a lock held by another release, a state digest). */
  async putItem(table: string, item: Readonly<Record<string, string>>): Promise<void> {
    const { status, json } = await this.dynamodb('PutItem', {
      TableName: table,
      Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }])),
    });
    if (status >= 300) {
      throw new Error(`moto: PutItem ${table} failed: HTTP ${status} ${JSON.stringify(json).slice(0, 200)}`);
    }
  }

  async deleteLockItem(table: string, lockId: string): Promise<void> {
    const { status } = await this.dynamodb('DeleteItem', {
      TableName: table,
      Key: { LockID: { S: lockId } },
    });
    if (status >= 300) throw new Error(`moto: DeleteItem ${table} failed: HTTP ${status}`);
  }

  /** Every item of a table, attribute values as strings (the lock table holds only string attributes). */
  async scan(table: string): Promise<Record<string, string>[]> {
    const { status, json } = await this.dynamodb('Scan', { TableName: table });
    if (status >= 300) throw new Error(`moto: Scan ${table} failed: HTTP ${status}`);
    const items = (json.Items ?? []) as Record<string, Record<string, unknown>>[];
    return items.map((item) =>
      Object.fromEntries(Object.entries(item).map(([k, v]) => [k, String(Object.values(v)[0] ?? '')])),
    );
  }
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}
