using System.Net;
using System.Text;
using System.Text.Json;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Hardening;

/// <summary>
/// A request body IdP will not read is refused as the client's mistake (400, or 413 over the size limit), with an
/// RFC 6749 §5.2 error for protocol clients and a page for people: never a 500, and nothing it carried is echoed.
/// Served by real Kestrel, whose request-size limit the in-memory server does not enforce.
/// </summary>
public sealed class MalformedRequestTests(KestrelIdpFactory idp) : IClassFixture<KestrelIdpFactory>
{
    public static TheoryData<string, string> UnreadableForms => new()
    {
        // The form reader's limits: a key of at most 2,048 characters, at most 1,024 fields.
        { "a key over the form reader's limit", new string('k', 3000) + "=v" },
        { "more fields than the form reader takes", string.Join('&', Enumerable.Range(0, 2000).Select(i => $"k{i}=v")) },
    };

    [Theory]
    [MemberData(nameof(UnreadableForms))]
    public async Task a_token_request_whose_form_cannot_be_read_gets_400_invalid_request(string why, string body)
    {
        using var response = await PostAsync("/connect/token", body);

        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.DoesNotContain("kkkk", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task a_token_request_sent_as_multipart_without_a_boundary_gets_400_invalid_request()
    {
        using var http = new HttpClient { BaseAddress = idp.BaseAddress };
        var content = new StringContent("grant_type=client_credentials");
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("multipart/form-data");
        using var response = await http.PostAsync("/connect/token", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task a_token_request_over_the_size_limit_gets_413_invalid_request()
    {
        // Kestrel's default limit is 30,000,000 bytes. With Expect: 100-continue the client waits for the server's
        // answer before sending the body, as large uploads do; without it the server's early 413 and closed
        // connection would reach the client as a broken pipe while it is still writing.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = idp.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new StringContent("grant_type=client_credentials&pad=" + new string('a', 30_000_001), Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task a_login_form_that_cannot_be_read_gets_400_and_a_page_saying_what_to_do()
    {
        using var response = await PostAsync("/account/login", new string('k', 3000) + "=v");

        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("The form could not be read", page, StringComparison.Ordinal);
        Assert.Contains("try again", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_passkey_ceremony_with_a_malformed_json_body_gets_400_and_no_page_for_people()
    {
        // Re-executing the error page for this POST read its body a second time and broke the connection.
        using var http = new HttpClient { BaseAddress = idp.BaseAddress };
        using var response = await http.PostAsync("/account/passkeys/assertion", new StringContent("{not json", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("<!DOCTYPE", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body)
    {
        using var http = new HttpClient { BaseAddress = idp.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return await http.PostAsync(path, new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"));
    }
}
