namespace Integration.Testing.Servers;

/// <summary>Locates the repository (the folder holding <c>Integration.sln</c>) from a test run.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The repository root: the environment variable <c>INTEGRATION_REPO_ROOT</c> when set, otherwise the first
    /// folder holding <c>Integration.sln</c> walking up from <see cref="AppContext.BaseDirectory"/>, then from the
    /// current directory.
    /// </summary>
    public static string Root => s_root.Value;

    /// <summary>The <c>mocks/</c> folder: WireMock's root dir (mappings/ and __files/).</summary>
    public static string Mocks => Path.Combine(Root, "mocks");

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("INTEGRATION_REPO_ROOT");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (!File.Exists(Path.Combine(fromEnvironment, "Integration.sln")))
            {
                throw new InvalidOperationException(
                    $"INTEGRATION_REPO_ROOT is '{fromEnvironment}', which holds no Integration.sln.");
            }

            return Path.GetFullPath(fromEnvironment);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Integration.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find Integration.sln above '{AppContext.BaseDirectory}' or '{Environment.CurrentDirectory}'. " +
            "Set INTEGRATION_REPO_ROOT to the repository root.");
    }
}
