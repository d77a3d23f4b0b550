using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// Records the SQL commands EF Core sends while serving requests to one path, so a test can assert how many
/// database round trips an endpoint costs. Background work (key refresh, housekeeping) runs outside any request and
/// is not counted: a marker set by a middleware flows with the request's async context into the interceptor.
/// </summary>
public sealed class SqlCommandCounter : DbCommandInterceptor
{
    /// <summary>The counter a request records for, and that request ("POST /account/login").</summary>
    private static readonly AsyncLocal<(SqlCommandCounter Counter, string Request)?> Recording = new();
    private readonly ConcurrentQueue<SentCommand> _sent = new();

    /// <summary>Every command counted so far, in order, with the request it was sent for.</summary>
    public IReadOnlyList<SentCommand> Sent => [.. _sent];

    /// <summary>The SQL of every command counted so far, in order.</summary>
    public IReadOnlyList<string> Commands => [.. _sent.Select(command => command.Sql)];

    public void Clear() => _sent.Clear();

    /// <summary>Registers the interceptor on IdP's context and the marker middleware for <paramref name="path"/> (every path when null).</summary>
    public void AttachTo(IServiceCollection services, PathString? path)
    {
        // Both provider contexts: whichever the suite runs on (see TestDatabase).
        services.ConfigureDbContext<IdP.Server.Data.IdpDbContext>(options => options.AddInterceptors(this));
        services.ConfigureDbContext<IdP.Server.Data.PostgreSqlIdpDbContext>(options => options.AddInterceptors(this));
        services.AddSingleton<IStartupFilter>(new MarkRequests(this, path));
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        => Count(command, result);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Count(command, result));

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        => Count(command, result);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Count(command, result));

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        => Count(command, result);

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Count(command, result));

    private T Count<T>(DbCommand command, T result)
    {
        if (Recording.Value is { } recording && ReferenceEquals(recording.Counter, this))
        {
            _sent.Enqueue(new SentCommand(recording.Request, command.CommandText));
        }

        return result;
    }

    private sealed class MarkRequests(SqlCommandCounter counter, PathString? path) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (path is { } only && !context.Request.Path.Equals(only))
                {
                    await nextMiddleware(context);
                    return;
                }

                Recording.Value = (counter, context.Request.Method + " " + context.Request.Path);
                try
                {
                    await nextMiddleware(context);
                }
                finally
                {
                    Recording.Value = null;
                }
            });
            next(app);
        };
    }
}

/// <summary>One SQL command, and the request (method and path) it was sent for.</summary>
public sealed record SentCommand(string Request, string Sql);
