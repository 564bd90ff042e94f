// The local STS provider: GetCallerIdentity only — scripts read the account id from it, and on
// `awsmesh serve` it tells a key's holder which IAM user it signs as.

import type { StsApi } from '../../../generated/sts-api';
import type { ProviderContext } from '../provider';

export const provider: StsApi<ProviderContext> = {
  async GetCallerIdentity(_input, ctx) {
    const caller = ctx.caller;
    // Without a signature (the CLI on the local backend) the caller is the account itself.
    if (!caller) return { UserId: ctx.account, Account: ctx.account, Arn: `arn:aws:iam::${ctx.account}:root` };
    return { UserId: caller.userId, Account: caller.account, Arn: caller.arn };
  },
};
