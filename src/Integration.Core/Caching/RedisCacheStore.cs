using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Integration.Core.Caching;

/// <summary>
/// The L2 cache: a thin wrapper over StackExchange.Redis 1.2.6 (the version that restores here) that
/// never lets Redis trouble reach a request. Commands are bounded by a timeout; while Redis is down
/// the cache answers "nothing there" at once, warns once per outage, and uses Redis again as soon
/// as the multiplexer has reconnected. The connection is made while the host starts, so an instance's
/// first requests already share the L2 entries other instances wrote.
/// </summary>
public sealed class RedisCacheStore : IHostedService, IDisposable
{
    /// <summary>The longest a start waits for the first connection attempt (it is bounded by the connect timeout anyway).</summary>
    private static readonly TimeSpan s_startWait = TimeSpan.FromSeconds(5);

    private readonly RedisOptions _options;
    private readonly ILogger<RedisCacheStore> _logger;
    private readonly Task<ConnectionMultiplexer?> _multiplexer;
    private int _down;

    public RedisCacheStore(IOptions<RedisOptions> options, ILogger<RedisCacheStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        // Connect in the background: a request never waits for Redis to come up.
        _multiplexer = Enabled ? Task.Run(Connect) : Task.FromResult<ConnectionMultiplexer?>(null);
    }

    /// <summary>Completes when the first connection attempt has finished (start-up, tests).</summary>
    public Task ConnectedAsync => _multiplexer;

    public bool Enabled => !string.IsNullOrWhiteSpace(_options.Configuration);

    /// <summary>Waits for the first connection attempt, so a freshly started instance reads L2 from its first request; Redis down does not stop the start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _multiplexer.WaitAsync(s_startWait, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Still connecting, or Redis unusable: requests use L1 and the upstream meanwhile (Database() checks again).
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True while the last command failed and no command has succeeded since.</summary>
    public bool Down => Volatile.Read(ref _down) == 1;

    public async Task<byte[]?> GetAsync(string key)
    {
        var db = Database();
        if (db is null)
        {
            return null;
        }

        try
        {
            var value = await db.StringGetAsync(_options.KeyPrefix + key).WaitAsync(_options.OperationTimeout);
            MarkUp();
            return value.IsNull ? null : (byte[]?)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            MarkDown(ex);
            return null;
        }
    }

    public async Task SetAsync(string key, byte[] value, TimeSpan ttl)
    {
        var db = Database();
        if (db is null)
        {
            return;
        }

        try
        {
            await db.StringSetAsync(_options.KeyPrefix + key, value, ttl).WaitAsync(_options.OperationTimeout);
            MarkUp();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            MarkDown(ex);
        }
    }

    private IDatabase? Database()
    {
        if (!Enabled)
        {
            return null;
        }

        var mux = _multiplexer.IsCompletedSuccessfully ? _multiplexer.Result : null;
        if (mux is null || !mux.IsConnected)
        {
            MarkDown(null);
            return null;
        }

        return mux.GetDatabase();
    }

    private ConnectionMultiplexer? Connect()
    {
        var config = ConfigurationOptions.Parse(_options.Configuration!);
        // Start even when Redis is down; the multiplexer keeps reconnecting in the background.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 2000;
        config.SyncTimeout = (int)_options.OperationTimeout.TotalMilliseconds;
        config.ConnectRetry = 1;
        try
        {
            var mux = ConnectionMultiplexer.Connect(config);
            mux.ConnectionRestored += (_, _) => MarkUp();
            mux.ConnectionFailed += (_, e) => MarkDown(e.Exception);
            return mux;
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            MarkDown(ex);
            return null;
        }
    }

    private void MarkDown(Exception? ex)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            Log.RedisDown(_logger, ex?.GetType().Name ?? "not connected");
        }
    }

    private void MarkUp()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            Log.RedisBack(_logger);
        }
    }

    public void Dispose()
    {
        if (_multiplexer.IsCompletedSuccessfully)
        {
            _multiplexer.Result?.Dispose();
        }
    }
}
