using System.Net;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// Drives IdP the way a browser does: cookies are kept, local redirects are followed one by one, and the journey
/// stops when IdP redirects to a client (another host), which is where a browser would leave IdP.
/// </summary>
public sealed class BrowserClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    /// <summary>The user's authenticator apps, to answer the second-factor step like a person would.</summary>
    public TestAuthenticators? Authenticators { get; init; }

    /// <summary>The last page IdP rendered, with its URL.</summary>
    public Page? CurrentPage { get; private set; }

    /// <summary>GETs the URL and follows redirects inside IdP. Returns the page, or the redirect out of IdP.</summary>
    public Task<Outcome> NavigateAsync(string url) => FollowAsync(Http.GetAsync(url), url);

    /// <summary>Submits the page's form number <paramref name="index"/> with some fields set, as a user pressing a button.</summary>
    public Task<Outcome> SubmitAsync(Page page, int index = 0, params (string Name, string Value)[] values)
    {
        var form = page.Forms[index];
        var action = new Uri(new Uri(page.Url, UriKind.RelativeOrAbsolute).IsAbsoluteUri ? new Uri(page.Url) : new Uri(Http.BaseAddress!, page.Url), form.Action).ToString();
        if (form.Method == "GET")
        {
            var query = string.Join("&", form.Fields.Where(f => values.All(v => v.Name != f.Key)).Select(f => (f.Key, f.Value))
                .Concat(values.Select(v => (Key: v.Name, v.Value)))
                .Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
            return NavigateAsync(action.Split('?')[0] + "?" + query);
        }

        return FollowAsync(Http.PostAsync(action, form.With(values)), action);
    }

    /// <summary>POSTs raw fields (to test what an attacker's page could send).</summary>
    public Task<Outcome> PostAsync(string url, params (string Name, string Value)[] values)
        => FollowAsync(Http.PostAsync(url, new FormUrlEncodedContent(values.Select(v => KeyValuePair.Create(v.Name, v.Value)))), url);

    private async Task<Outcome> FollowAsync(Task<HttpResponseMessage> pending, string url)
    {
        var response = await pending;
        for (var hops = 0; hops < 20; hops++)
        {
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.MovedPermanently)
            {
                var location = response.Headers.Location!;
                var absolute = location.IsAbsoluteUri ? location : new Uri(new Uri(Http.BaseAddress!, url), location);
                if (absolute.Host != Http.BaseAddress!.Host || absolute.Port != Http.BaseAddress.Port)
                {
                    return new Outcome(response, null, absolute);
                }

                url = absolute.ToString();
                response.Dispose();
                response = await Http.GetAsync(absolute);
                continue;
            }

            var html = await response.Content.ReadAsStringAsync();
            CurrentPage = new Page(url, (int)response.StatusCode, html, HtmlForm.Parse(html, url));
            return new Outcome(response, CurrentPage, null);
        }

        throw new InvalidOperationException("Too many redirects: IdP is looping.");
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>A rendered page.</summary>
public sealed record Page(string Url, int StatusCode, string Html, IReadOnlyList<HtmlForm> Forms)
{
    public bool Contains(string text) => System.Net.WebUtility.HtmlDecode(Html).Contains(text, StringComparison.Ordinal);
}

/// <summary>Where a navigation ended: on an IdP page, or redirected out to a client.</summary>
public sealed record Outcome(HttpResponseMessage Response, Page? Page, Uri? RedirectedTo)
{
    public Page RequirePage() => Page ?? throw new Xunit.Sdk.XunitException($"Expected an IdP page, but was redirected to {RedirectedTo}.");

    public Uri RequireRedirect() => RedirectedTo ?? throw new Xunit.Sdk.XunitException(
        $"Expected a redirect to the client, but IdP rendered {Page?.Url} ({Page?.StatusCode}).");

    /// <summary>The query (or form_post) parameters the client received.</summary>
    public IReadOnlyDictionary<string, string> RedirectParameters()
        => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(RequireRedirect().Query)
            .ToDictionary(p => p.Key, p => p.Value.ToString());
}
