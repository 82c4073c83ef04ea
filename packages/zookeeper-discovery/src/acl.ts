import { createHash } from 'node:crypto';
import { Permission } from './native-client.js';
import type { AclEntry } from './native-client.js';

/**
 * The ACL of every znode we create when `auth` is configured: anyone may read (writers need no
 * credentials), only the digest identity may change or delete. The identity is what ZooKeeper's
 * DigestAuthenticationProvider derives from `user:password`: `user:base64(sha1(user:password))`.
 */
export function digestAcl(credentials: string): AclEntry[] {
  const user = credentials.slice(0, credentials.indexOf(':'));
  const digest = createHash('sha1').update(credentials, 'utf8').digest('base64');
  return [
    { perms: Permission.read, scheme: 'world', auth: 'anyone' },
    { perms: Permission.all, scheme: 'digest', auth: `${user}:${digest}` },
  ];
}
