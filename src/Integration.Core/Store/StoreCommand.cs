using System.Data;
using System.Data.Common;

namespace Integration.Core.Store;

/// <summary>
/// One statement and its typed parameters, written once for both dialects, that a store method runs for its caller
/// in the round trip of its own statement (see <see cref="Outbox.OutboxStore.EnqueueAsync(DbConnection, DbTransaction, string, string, long, string, StoreCommand?, CancellationToken)"/>).
/// Every parameter has a type, a null one too, so that a prepared statement keeps one signature from call to call.
/// </summary>
public sealed class StoreCommand(string sql)
{
    private readonly List<(string Name, DbType Type, object? Value)> _parameters = [];

    public string Sql { get; } = sql;

    /// <summary>Adds the parameter <c>@<paramref name="name"/></c>.</summary>
    public StoreCommand With(string name, DbType type, object? value)
    {
        _parameters.Add((name, type, value));
        return this;
    }

    internal DbBatchCommand ToBatchCommand(DbBatch batch)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = Sql;
        AddParameters(command.Parameters, command.CreateParameter);
        return command;
    }

    internal DbCommand ToCommand(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        AddParameters(command.Parameters, command.CreateParameter);
        return command;
    }

    internal async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = ToCommand(connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void AddParameters(DbParameterCollection parameters, Func<DbParameter> create)
    {
        foreach (var (name, type, value) in _parameters)
        {
            var parameter = create();
            parameter.ParameterName = "@" + name;
            parameter.DbType = type;
            parameter.Value = value ?? DBNull.Value;
            parameters.Add(parameter);
        }
    }
}
