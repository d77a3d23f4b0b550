using System.Diagnostics;

namespace IdP.Server.Hosting;

/// <summary>Where an exception was thrown, by the types on its stack: how a framework's own failure is told apart.</summary>
internal static class ExceptionOrigin
{
    /// <summary>Whether a method of a type whose full name starts with one of <paramref name="typeNamePrefixes"/> threw or passed it on.</summary>
    public static bool ThrownBy(Exception exception, params string[] typeNamePrefixes)
        => new StackTrace(exception).GetFrames().Any(frame => frame.GetMethod()?.DeclaringType?.FullName is { } type
            && typeNamePrefixes.Any(prefix => type.StartsWith(prefix, StringComparison.Ordinal)));
}
