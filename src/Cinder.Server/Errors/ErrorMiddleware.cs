using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cinder.Server.Errors;

/// <summary>Catches whatever a request threw and answers it through <see cref="ErrorMapper"/>; a client that went away gets nothing.</summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger, ServerRuntime runtime)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            // The client disconnected: its generation was cancelled through RequestAborted; there is no one to answer.
        }
        catch (Exception e)
        {
            var error = ErrorMapper.Map(e);
            if (ErrorMapper.IsInternal(error))
            {
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                runtime.Options.Log?.Invoke($"error: {context.Request.Method} {context.Request.Path}: {e.GetType().Name}: {e.Message}");
            }
            if (context.Response.HasStarted)
            {
                // Mid-stream there is no status to change: the stream writes its own error event, so just end the connection.
                context.Abort();
                return;
            }
            await ErrorMapper.WriteAsync(context, error).ConfigureAwait(false);
        }
    }
}
