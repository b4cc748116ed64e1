using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Integration.Core.Caching;

/// <summary>
/// The one StackExchange.Redis connection the L2 cache (<c>RedisCache</c>) and the FusionCache backplane
/// share. It is made while the host starts, so an instance's first requests already read what other
/// instances wrote; Redis down does not stop the start (the multiplexer keeps reconnecting). Tracks
/// whether Redis is usable and logs one warning per outage and one line when it is back.
/// </summary>
public sealed class RedisConnection : IHostedService, IDisposable
{
    /// <summary>The longest a start waits for the first connection attempt.</summary>
    private static readonly TimeSpan s_startWait = TimeSpan.FromSeconds(5);

    private readonly RedisOptions _options;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private int _down;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        _options = options.Value;
        _logger = logger;
        _multiplexer = new(() => Task.Run(Connect));
    }

    /// <summary>True when <c>Redis:Configuration</c> is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(_options.Configuration);

    /// <summary>True while Redis is known to be unreachable (a command failed or the connection dropped, and nothing succeeded since).</summary>
    public bool Down => Volatile.Read(ref _down) == 1;

    /// <summary>The multiplexer (connecting on first use); it reconnects by itself after an outage.</summary>
    public Task<IConnectionMultiplexer> MultiplexerAsync() => _multiplexer.Value;

    /// <summary>Completes when the first connection attempt has finished (start-up, tests).</summary>
    public Task ConnectedAsync => Enabled ? _multiplexer.Value : Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await _multiplexer.Value.WaitAsync(s_startWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Still connecting: requests use L1 and the upstreams meanwhile.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A Redis command failed: warns once per outage.</summary>
    internal void MarkDown(string reason)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            Log.RedisDown(_logger, reason);
        }
    }

    /// <summary>A Redis command succeeded.</summary>
    internal void MarkUp()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            Log.RedisBack(_logger);
        }
    }

    private IConnectionMultiplexer Connect()
    {
        var config = ConfigurationOptions.Parse(_options.Configuration!);
        // Start even when Redis is down; the multiplexer keeps reconnecting in the background.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 2000;
        config.ConnectRetry = 1;
        var timeout = (int)_options.OperationTimeout.TotalMilliseconds;
        config.SyncTimeout = timeout;
        config.AsyncTimeout = timeout;
        // While disconnected a command fails at once instead of queueing until its timeout.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        var mux = ConnectionMultiplexer.Connect(config);
        mux.ConnectionFailed += (_, e) => MarkDown(e.FailureType.ToString());
        mux.ConnectionRestored += (_, _) => MarkUp();
        if (!mux.IsConnected)
        {
            MarkDown("not connected");
        }

        return mux;
    }

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            _multiplexer.Value.Result.Dispose();
        }
    }
}
