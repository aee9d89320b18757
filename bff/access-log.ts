/**
 * One access-log line per request, `request completed` with method, path (the sign-in callback's
 * without its query), caller, status and time, where fastify writes two (`incoming request`, then
 * `request completed` without the request). The log says the same and costs half: under load in
 * the bench the access log was a visible share of the BFF's CPU. What a line may hold is the
 * business of server.ts's serializers.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const entry = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...entry, err: error }, 'request errored');
    else reply.log.info(entry, 'request completed');
  }
}
