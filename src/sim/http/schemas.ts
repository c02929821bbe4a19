import { z } from 'zod';

/** Zod schemas for request bodies. Management bodies are strict (unknown keys fail the batch, §2.4); terminal bodies are tolerant. */

const price = z.number().finite().min(0);

const orderFieldShape = {
  symbol: z.string().min(1),
  operation: z.string().min(1),
  volume: z.number().finite().positive(),
  price,
  slippage: z.number().int().min(0),
  stop_loss: price,
  take_profit: price,
  stop_limit_price: price,
  expiration: z.string(),
  comment: z.string(),
  expert_id: z.number().int().min(0),
};

export const OrderFieldsSchema = z.strictObject(orderFieldShape).partial();
export const OrderLegSchema = z.strictObject({ ...orderFieldShape, account_id: z.string().min(1) }).partial().required({ account_id: true });
export const OrdersBodySchema = z.strictObject({
  orders: z.array(OrderLegSchema).min(1),
  defaults: OrderFieldsSchema.optional(),
  require_reachable: z.boolean().optional(),
});
export type OrderLegInput = z.infer<typeof OrderLegSchema>;

const closeFieldShape = {
  symbol: z.string().min(1),
  symbol_match: z.enum(['exact', 'base']),
  side: z.enum(['long', 'short', 'any']),
  kind: z.enum(['position', 'pending', 'any']),
  magic: z.number().int().min(0),
  volume: z.number().finite().positive(),
  slippage: z.number().int().min(0),
};

export const CloseFieldsSchema = z.strictObject(closeFieldShape).partial();
export const CloseLegSchema = z
  .strictObject({ ...closeFieldShape, account_id: z.string().min(1), tickets: z.array(z.number().int().min(1)).min(1) })
  .partial()
  .required({ account_id: true });
export const CloseBodySchema = z.strictObject({
  accounts: z.array(CloseLegSchema).min(1),
  defaults: CloseFieldsSchema.optional(),
  require_reachable: z.boolean().optional(),
});
export type CloseLegInput = z.infer<typeof CloseLegSchema>;
export type CloseFieldsInput = z.infer<typeof CloseFieldsSchema>;

export const SendBodySchema = z.object({
  symbol: z.string().min(1),
  operation: z.string().min(1),
  volume: z.number().finite(),
  price: price.optional(),
  stopLimitPrice: price.optional(),
  stopLoss: z.number().finite().optional(),
  takeProfit: z.number().finite().optional(),
  slippage: z.number().int().min(0).optional(),
  expiration: z.string().optional(),
  comment: z.string().optional(),
  expertId: z.number().int().optional(),
  magic: z.number().int().optional(),
});

export const ModifyBodySchema = z.object({
  ticket: z.number().int().positive(),
  stopLoss: z.number().finite().optional(),
  takeProfit: z.number().finite().optional(),
  price: z.number().finite().optional(),
  stopLimitPrice: z.number().finite().optional(),
  expiration: z.string().optional(),
});

export const CloseBodyTerminalSchema = z.object({
  ticket: z.number().int().positive(),
  volume: z.number().finite().optional(),
  slippage: z.number().int().min(0).optional(),
});

export const CloseAllBodySchema = z.object({
  symbol: z.string().optional(),
  magic: z.number().int().optional(),
  deletePending: z.boolean().optional(),
});

export const CreateAccountSchema = z.object({
  platform: z.enum(['mt4', 'mt5']).optional(),
  server: z.string().min(1),
  login: z.number().int().positive(),
  password: z.string().min(1),
  nickname: z.string().optional(),
  trade_ea_symbol: z.string().optional(),
  proxy_address: z.string().optional(),
  proxy_type: z.string().optional(),
  proxy_auth: z.string().optional(),
  proxy_local_port: z.number().int().min(1).max(65535).optional(),
});

export const PatchAccountSchema = z.strictObject({ trade_ea_symbol: z.string() });

/** One-line description of the first validation issue, e.g. `orders[2].volume: Too small`. */
export function describeIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
  return path ? `${path}: ${issue.message}` : issue.message;
}
