using System.Diagnostics;
using System.Text;

namespace Integration.Testing.Servers;

/// <summary>The outcome of a finished helper process.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe() =>
        $"exit code {ExitCode}; stdout: {Trim(StandardOutput)}; stderr: {Trim(StandardError)}";

    private static string Trim(string text) => string.IsNullOrWhiteSpace(text) ? "(empty)" : text.Trim();
}

/// <summary>Keeps the last lines a long-running child process wrote, for error messages.</summary>
internal sealed class OutputTail
{
    private const int MaxLines = 200;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string prefix, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue(prefix + line);
            while (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _lines.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _lines);
        }
    }
}

/// <summary>Starting, running and cleaning up the child processes behind the test servers.</summary>
internal static class ChildProcesses
{
    /// <summary>True when the test process runs as root (initdb and postgres refuse to).</summary>
    public static bool RunningAsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>Finds an executable on PATH, then in the extra folders given.</summary>
    public static string? FindExecutable(string name, params IEnumerable<string> extraFolders)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(extraFolders))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts a long-running child whose stdout and stderr are drained into <paramref name="tail"/>.</summary>
    public static Process StartLongRunning(
        string fileName, IEnumerable<string> arguments, string workingDirectory, OutputTail tail)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => tail.Add("[out] ", e.Data);
        process.ErrorDataReceived += (_, e) => tail.Add("[err] ", e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a helper process to completion, killing it after <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{fileName} {string.Join(' ', startInfo.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs a helper process and throws, with its output, unless it exits with 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var argumentList = arguments.ToList();
        var result = await RunAsync(fileName, argumentList, timeout, workingDirectory, environment, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{fileName} {string.Join(' ', argumentList)}' failed: {result.Describe()}");
        }

        return result;
    }

    /// <summary>Kills a process and all its descendants, ignoring a process that is already gone.</summary>
    public static void KillQuietly(Process process, TimeSpan? wait = null)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(wait ?? TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Not started or already reaped.
        }
        catch (SystemException)
        {
            // Already exiting; nothing left to do for a best-effort cleanup.
        }
    }

    /// <summary>
    /// Starts a tiny detached shell that waits for this test process to disappear (also when it is killed, when
    /// the ProcessExit handlers never run) and then runs <paramref name="cleanupScript"/>. The loop script may
    /// <c>exit 0</c> early when what it guards is already gone. <c>$1</c> is this process's PID; the extra
    /// arguments follow as <c>$2</c>, <c>$3</c>, ...
    /// </summary>
    public static Process? StartParentDeathWatchdog(string loopCondition, string cleanupScript, params string[] arguments)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // Its standard streams go to /dev/null at once so it never holds the test runner's pipes open.
        var script =
            "exec </dev/null >/dev/null 2>&1\n" +
            "trap '' HUP INT TERM\n" +
            "while kill -0 \"$1\" 2>/dev/null; do\n" +
            $"  {loopCondition}\n" +
            "  sleep 1\n" +
            "done\n" +
            cleanupScript + "\n";
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, CreateNoWindow = true };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(script);
        startInfo.ArgumentList.Add("test-server-watchdog");
        startInfo.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// A watchdog that SIGKILLs <paramref name="childPid"/> when this test process dies, then deletes
    /// <paramref name="directoryToDelete"/> when given.
    /// </summary>
    public static Process? KillOnParentDeath(int childPid, string? directoryToDelete = null)
    {
        return StartParentDeathWatchdog(
            "kill -0 \"$2\" 2>/dev/null || exit 0",
            "kill -KILL \"$2\" 2>/dev/null; if [ -n \"$3\" ]; then sleep 1; rm -rf \"$3\"; fi",
            childPid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            directoryToDelete ?? string.Empty);
    }

    /// <summary>
    /// Ends a watchdog after its server was cleaned up normally. Only the shell itself gets SIGKILL: a process-tree kill
    /// SIGSTOPs first, and a test host killed in between would leave a stopped watchdog that never cleans up.
    /// </summary>
    public static void StopWatchdog(Process? watchdog)
    {
        if (watchdog is null)
        {
            return;
        }

        try
        {
            if (!watchdog.HasExited)
            {
                watchdog.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (SystemException)
        {
        }

        watchdog.Dispose();
    }

    /// <summary>Deletes a folder, ignoring failures (best effort cleanup).</summary>
    public static void DeleteDirectoryQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
