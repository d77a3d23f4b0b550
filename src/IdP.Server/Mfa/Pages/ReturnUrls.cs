using Microsoft.AspNetCore.Mvc;

namespace IdP.Server.Mfa.Pages;

/// <summary>Where sign-in pages may send the user next: local URLs only (no open redirect, RFC 9700 §4.11).</summary>
internal static class ReturnUrls
{
    public static string Safe(IUrlHelper url, string? returnUrl)
        => !string.IsNullOrEmpty(returnUrl) && url.IsLocalUrl(returnUrl) ? returnUrl : "/";

    public static string With(string page, string? returnUrl)
        => page + "?returnUrl=" + Uri.EscapeDataString(returnUrl ?? "/");
}
