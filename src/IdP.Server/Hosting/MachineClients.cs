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
}
