using System.Net;
using Microsoft.Extensions.Options;

namespace IdP.Server.Observability;

/// <summary>Whether a request is a scrape (<c>Metrics:Path</c>) and whether its caller may make it (<c>Metrics:AllowedNetworks</c>).</summary>
internal sealed class MetricsAccess(IOptions<MetricsOptions> options)
{
    // Parsed on first use: by then start-up validation has accepted every entry.
    private readonly Lazy<IReadOnlyList<IPNetwork>> _allowed = new(() => options.Value.EffectiveAllowedNetworks());

    public bool IsScrapePath(PathString path) => path.Equals(options.Value.Path, StringComparison.OrdinalIgnoreCase);

    /// <summary>An unknown address (no TCP peer) is never allowed; an IPv4 client on a dual-stack socket counts as IPv4.</summary>
    public bool IsAllowed(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _allowed.Value.Any(network => network.Contains(address));
    }
}
