using Microsoft.AspNetCore.Diagnostics;

namespace IdP.Server.Hosting;

/// <summary>Which paths machines call (and so get JSON errors), as opposed to pages people see.</summary>
internal static class MachineClients
{
    /// <summary>Protocol endpoints (except the pages under /connect), the mapper, passkey ceremonies and health.</summary>
    public static bool AnswerJson(PathString path)
    {
        if (path.StartsWithSegments("/connect/verify") || path.StartsWithSegments("/connect/consent")
            || path.StartsWithSegments("/connect/authorize") || path.StartsWithSegments("/connect/endsession"))
        {
            return false;
        }

        return path.StartsWithSegments("/connect") || path.StartsWithSegments("/.well-known") || path.StartsWithSegments("/health")
               || path.StartsWithSegments("/account/passkeys") || path == Mainframe.Mapper.MapperEndpoint.Path;
    }

    /// <summary>
    /// A machine gets the status and body its endpoint wrote, never the page for people that the status-code pages
    /// would re-execute in its place: UserInfo's RFC 6750 §3 challenge is its whole answer, and re-executing a POST
    /// whose JSON body was half read (a passkey ceremony with a malformed body) broke the connection.
    /// </summary>
    public static IApplicationBuilder UseNoStatusCodePagesForMachines(this IApplicationBuilder app)
        => app.Use((context, next) =>
        {
            if (AnswerJson(context.Request.Path) && context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
            {
                statusCodePages.Enabled = false;
            }

            return next(context);
        });
}
