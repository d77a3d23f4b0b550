namespace IdP.Server.Protocol;

public static class ProtocolEndpointRouteBuilderExtensions
{
    /// <summary>Maps the passthrough endpoints. OpenIddict answers discovery, JWKS, introspection, revocation
    /// and device authorization itself; the device verification endpoint is the Razor page /connect/verify.</summary>
    public static IEndpointRouteBuilder MapIdpProtocolEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var connect = endpoints.MapGroup("/connect").ExcludeFromDescription();

        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post],
            (AuthorizationEndpoint endpoint, HttpContext context) => endpoint.HandleAsync(context)).DisableAntiforgery();
        connect.MapPost("/token",
            (TokenEndpoint endpoint, HttpContext context) => endpoint.HandleAsync(context)).DisableAntiforgery();
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post],
            (UserInfoEndpoint endpoint, HttpContext context) => endpoint.HandleAsync(context)).DisableAntiforgery();
        connect.MapMethods("/endsession", [HttpMethods.Get, HttpMethods.Post],
            (EndSessionEndpoint endpoint, HttpContext context) => endpoint.HandleAsync(context)).DisableAntiforgery();

        return endpoints;
    }

    public static IServiceCollection AddIdpProtocolEndpoints(this IServiceCollection services)
        => services.AddScoped<AuthorizationEndpoint>()
                   .AddScoped<TokenEndpoint>()
                   .AddScoped<UserInfoEndpoint>()
                   .AddScoped<EndSessionEndpoint>();
}
