using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace IdP.Bench.SignIn;

/// <summary>
/// One browser's visit: its own cookies (kept here, so many sessions share one connection pool), redirects
/// followed by hand so each step can be checked, and the forms of the pages it reads.
/// </summary>
public sealed partial class BrowserSession(HttpClient http, Uri baseAddress)
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    /// <summary>Sends a request and expects a redirect; returns where it points, absolute.</summary>
    public async Task<Uri> ExpectRedirectAsync(HttpMethod method, Uri url, HttpContent? content, string step, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, url, content, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.Redirect or HttpStatusCode.TemporaryRedirect)
            || response.Headers.Location is null)
        {
            throw new SignInStepException(step, $"expected a redirect, got {(int)response.StatusCode}");
        }

        var location = new Uri(url, response.Headers.Location);
        // The issuer is http://localhost:PORT/; the server listens on 127.0.0.1:PORT, where this session goes.
        return location.IsLoopback && location.Port == baseAddress.Port && location.Host != baseAddress.Host
            ? new UriBuilder(location) { Host = baseAddress.Host }.Uri
            : location;
    }

    /// <summary>GETs a page and returns the form that has a field named <paramref name="field"/>.</summary>
    public async Task<HtmlForm> ExpectFormAsync(Uri url, string field, string step, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, url, null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new SignInStepException(step, $"expected a page, got {(int)response.StatusCode}");
        }

        var html = await response.Content.ReadAsStringAsync(cancellationToken);
        return HtmlForm.Find(html, url, field) ?? throw new SignInStepException(step, $"the page has no form with '{field}'");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        if (_cookies.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
        }

        var response = await http.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var cookie in cookies)
            {
                var pair = cookie.Split(';', 2)[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                var (name, value) = (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
                // ASP.NET Core deletes a cookie with an empty value and a date in 1970.
                if (value.Length == 0 || cookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }
        }

        return response;
    }

    public Uri BaseAddress => baseAddress;
}

/// <summary>A form on one of IdP's pages: where it posts and its fields (hidden ones included).</summary>
public sealed partial record HtmlForm(Uri Action, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public static HtmlForm? Find(string html, Uri pageUrl, string field)
    {
        foreach (Match form in FormPattern().Matches(html))
        {
            var fields = new List<KeyValuePair<string, string>>();
            foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
            {
                var attributes = input.Groups["attributes"].Value;
                var name = Attribute(attributes, "name");
                if (name is not null && Attribute(attributes, "type") is not ("submit" or "button"))
                {
                    fields.Add(KeyValuePair.Create(name, Attribute(attributes, "value") ?? ""));
                }
            }

            if (fields.Any(f => f.Key == field))
            {
                var action = Attribute(form.Groups["attributes"].Value, "action");
                return new HtmlForm(string.IsNullOrEmpty(action) ? pageUrl : new Uri(pageUrl, action), fields);
            }
        }

        return null;
    }

    /// <summary>The fields with some set, ready to post.</summary>
    public FormUrlEncodedContent With(params (string Name, string Value)[] values)
        => new([.. Fields.Where(f => values.All(v => v.Name != f.Key)), .. values.Select(v => KeyValuePair.Create(v.Name, v.Value))]);

    private static string? Attribute(string attributes, string name)
    {
        var match = Regex.Match(attributes, $@"(?:^|\s){name}\s*=\s*""(?<value>[^""]*)""", RegexOptions.IgnoreCase);
        return match.Success ? WebUtility.HtmlDecode(match.Groups["value"].Value) : null;
    }

    [GeneratedRegex(@"<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex(@"<input(?<attributes>[^>]*)/?>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();
}

/// <summary>A sign-in step that did not answer as a browser expects; counted as an error, named in the report.</summary>
public sealed class SignInStepException(string step, string problem) : Exception($"{step}: {problem}")
{
    public string Step { get; } = step;
}
