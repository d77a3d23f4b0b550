using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace IdP.Server.Data;

public static class ChangeTrackerExtensions
{
    /// <summary>
    /// The tracked entity that matches, as <c>DbSet.Find</c> looks first, without the change detection
    /// <c>Entries()</c> runs by default: which objects are tracked is all this asks, and the sign-in path asks it
    /// several times per request.
    /// </summary>
    public static T? FindTracked<T>(this ChangeTracker tracker, Func<T, bool> match) where T : class
    {
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var entry in tracker.Entries<T>())
            {
                if (match(entry.Entity))
                {
                    return entry.Entity;
                }
            }

            return null;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }
}
