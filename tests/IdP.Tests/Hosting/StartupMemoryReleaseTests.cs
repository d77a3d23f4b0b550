using System.Collections.Concurrent;
using IdP.Server.Hosting;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdP.Tests.Hosting;

/// <summary>Once started, IdP gives the memory start-up used back with one full collection, unless told not to.</summary>
public sealed class StartupMemoryReleaseTests
{
    [Fact]
    public async Task once_started_idp_runs_a_full_collection_and_logs_what_it_released()
    {
        await using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Server:ReleaseStartupMemory"] = "true" });
        var log = new CapturedLog();
        using var host = idp.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(log)));
        var fullCollectionsBefore = GC.CollectionCount(GC.MaxGeneration);

        using var client = host.CreateClient();
        Assert.True((await client.GetAsync("/health/ready")).IsSuccessStatusCode);

        var line = await log.WaitForAsync(typeof(StartupMemoryRelease).FullName!, TimeSpan.FromSeconds(15));
        Assert.Matches(@"^Start-up memory released: -?\d+ MiB; working set \d+ MiB; paused \d+ ms$", line);
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullCollectionsBefore, "A full (generation 2) collection must have run.");
    }

    [Fact]
    public async Task turned_off_it_neither_collects_nor_logs()
    {
        await using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Server:ReleaseStartupMemory"] = "false" });
        var log = new CapturedLog();
        using var host = idp.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(log)));

        using var client = host.CreateClient();
        Assert.True((await client.GetAsync("/health/ready")).IsSuccessStatusCode);

        // Twice the time the release waits after start-up before it runs.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(log.Lines, entry => entry.Category == typeof(StartupMemoryRelease).FullName);
    }

    private sealed class CapturedLog : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, string Message)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public async Task<string> WaitForAsync(string category, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (Lines.FirstOrDefault(entry => entry.Category == category) is { Message: { } message })
                {
                    return message;
                }

                await Task.Delay(50);
            }

            throw new TimeoutException($"Nothing was logged by {category} within {timeout}.");
        }

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue((category, formatter(state, exception)));
        }
    }
}
