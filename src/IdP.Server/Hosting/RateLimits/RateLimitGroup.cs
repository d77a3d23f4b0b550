using IdP.Server.Mainframe.Mapper;

namespace IdP.Server.Hosting.RateLimits;

/// <summary>The endpoint groups that are limited, recognised by path: see <see cref="RateLimitPartitions"/> for why not by endpoint.</summary>
public enum RateLimitGroup
{
    None,
    Login,
    SecondFactor,
    Token,
    DeviceVerification,
    Mapper,
}

public static class RateLimitGroups
{
    public static RateLimitGroup Of(HttpRequest request)
    {
        // Routing answers "/account/login/" (and "/Account/Login") with the login page: every spelling that reaches a
        // limited endpoint must spend its budget, or a trailing slash would be a way round the limit.
        var path = request.Path.Value.AsSpan().TrimEnd('/');
        if (path.Equals("/connect/verify", StringComparison.OrdinalIgnoreCase))
        {
            // The user code is typed into a GET form, so guessing codes costs GETs too.
            return RateLimitGroup.DeviceVerification;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return RateLimitGroup.None; // showing a form is free; submitting it is what is limited
        }

        if (path.Equals("/account/login", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitGroup.Login;
        }

        if (path.Equals("/account/mfa", StringComparison.OrdinalIgnoreCase) || path.Equals("/account/mfa/recovery", StringComparison.OrdinalIgnoreCase)
            || path.Equals("/account/passkeys/assertion", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitGroup.SecondFactor;
        }

        if (path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitGroup.Token;
        }

        return path.Equals(MapperEndpoint.Path, StringComparison.OrdinalIgnoreCase) ? RateLimitGroup.Mapper : RateLimitGroup.None;
    }

    public static RateLimitRule Rule(this RateLimitsOptions options, RateLimitGroup group) => group switch
    {
        RateLimitGroup.Login => options.Login,
        RateLimitGroup.SecondFactor => options.SecondFactor,
        RateLimitGroup.Token => options.Token,
        RateLimitGroup.DeviceVerification => options.DeviceVerification,
        RateLimitGroup.Mapper => options.Mapper,
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    /// <summary>Protocol callers are programs: they get an OAuth-shaped JSON error rather than text for a person.</summary>
    public static bool IsProtocol(this RateLimitGroup group) => group is RateLimitGroup.Token or RateLimitGroup.Mapper;
}
