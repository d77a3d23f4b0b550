using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Protocol;

/// <summary>
/// Refuses a request that repeats a parameter (RFC 6749 §3.1: "Request and response parameters MUST NOT be included
/// more than once"). OpenIddict reads a repeated parameter as an array, and the typed accessors return nothing for
/// an array: <c>scope=a&amp;scope=b</c> would otherwise be granted as a request for no scope at all, and a repeated
/// <c>grant_type</c> or <c>client_id</c> would be reported as missing. <c>resource</c> (RFC 8707 §2) and
/// <c>audience</c> (RFC 8693 §2.1) may be repeated by design.
/// </summary>
/// <remarks>
/// It runs first among each endpoint's validation handlers. At the authorization endpoint the redirect URI has not
/// been validated at that point, so the error is shown on IdP's error page instead of being sent to it.
/// </remarks>
internal sealed class RepeatedParameterRejection<TContext> : IOpenIddictServerHandler<TContext>
    where TContext : BaseValidatingContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<RepeatedParameterRejection<TContext>>()
            .SetOrder(int.MinValue + 50_000) // before every built-in validation handler (the first is at int.MinValue + 100,000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(TContext context)
    {
        if (context.Transaction.Request is { } request)
        {
            foreach (var (name, value) in request.GetParameters())
            {
                if (value.Count > 1 && name is not (Parameters.Resource or Parameters.Audience))
                {
                    context.Reject(Errors.InvalidRequest, $"The '{name}' parameter was sent more than once; send it once (RFC 6749 §3.1).");
                    break;
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}

internal static class RepeatedParameterRejection
{
    /// <summary>Every endpoint that reads request parameters.</summary>
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        RepeatedParameterRejection<ValidateAuthorizationRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateTokenRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateIntrospectionRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateRevocationRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateDeviceAuthorizationRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateEndUserVerificationRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateEndSessionRequestContext>.Descriptor,
        RepeatedParameterRejection<ValidateUserInfoRequestContext>.Descriptor,
    ];
}
