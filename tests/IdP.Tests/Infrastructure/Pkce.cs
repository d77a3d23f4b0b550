using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Infrastructure;

/// <summary>RFC 7636 §4.1-4.2: a random verifier and its S256 challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
