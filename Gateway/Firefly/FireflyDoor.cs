using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using OrleansMmo.Client;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Firefly;

/// <summary>
/// Kestrel hands every connection on the Firefly port here. Each runs an ordinary session (the TCP port's state
/// machine, limits, rate limits, timeouts, slow-consumer bound and drain) through an in-process pipe, played by
/// an <see cref="MmoClient"/>: Firefly commands become its typed calls, its answers and pushes become JSON
/// packets. docs/firefly.md lists the commands.
/// </summary>
public sealed partial class FireflyDoor(SessionHost host, IOptions<FireflyOptions> options, ILogger<FireflyDoor> logger) : ConnectionHandler
{
    private readonly FireflyFormat _format = options.Value.Format;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint is System.Net.IPEndPoint ip ? ip.Address.ToString() : "unknown";
        var pipes = new InProcessTransport("firefly", remote);
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        var session = host.RunAsync(pipes.Session, s => host.ReadFramesAsync(s, pipes.SessionInput), closeRequested);
        using var conversation = new Conversation(connection.Transport, _format, logger);
        MmoClient? client = null;
        try
        {
            // The session never waits on the Firefly client: its heartbeat is the Firefly client's own (command 100).
            client = await MmoClient.ConnectAsync(pipes.Client, new MmoClientOptions { ClientName = "firefly-door", AutomaticHeartbeat = false });
            await conversation.RunAsync(client);
        }
        catch (Exception ex) when (ex is MmoDisconnectedException or MmoErrorException or TimeoutException)
        {
            // The session refused or ended before the door could start (a stopping or draining gateway): say why.
            if (client is null && ex is MmoDisconnectedException gone)
            {
                await conversation.SendClosedAsync(gone.Info);
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
        {
            // The Firefly client went away.
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            await session;
        }
    }

    /// <summary>One Firefly connection: commands in, in order; answers and pushes out through one lock.</summary>
    private sealed partial class Conversation(IDuplexPipe socket, FireflyFormat format, ILogger logger) : IDisposable
    {
        private readonly SemaphoreSlim _writing = new(1, 1);

        public async Task RunAsync(MmoClient client)
        {
            var commands = new Commands(client);
            var pushes = PumpPushesAsync(client);
            var input = socket.Input;
            try
            {
                while (client.IsConnected)
                {
                    var read = await input.ReadAsync(client.Connection.Closing);
                    var buffer = read.Buffer;
                    try
                    {
                        while (true)
                        {
                            var status = FireflyCodec.TryRead(ref buffer, format, out var packet);
                            if (status == FireflyReadStatus.Incomplete)
                            {
                                break;
                            }

                            if (status != FireflyReadStatus.Complete)
                            {
                                // As Firefly does with an illegal package: the client is dropped.
                                LogBadPacket(logger, status);
                                return;
                            }

                            var answer = await commands.HandleAsync(packet.Command, packet.Body.ToArray());
                            await SendAsync(packet.Command, answer);
                        }

                        if (read.IsCompleted)
                        {
                            return;
                        }
                    }
                    finally
                    {
                        input.AdvanceTo(buffer.Start, buffer.End);
                    }
                }
            }
            catch (OperationCanceledException) when (!client.IsConnected)
            {
                // The session ended; the push pump tells the client why.
            }
            finally
            {
                client.Connection.Close("the Firefly client left");
                await pushes;
            }
        }

        /// <summary>The session's pushes as JSON packets, then, when it ends, why (unless the Firefly client left).</summary>
        private async Task PumpPushesAsync(MmoClient client)
        {
            await foreach (var push in client.ReadPushesAsync())
            {
                var (command, body) = FireflyJson.Push(push);
                if (body is not null)
                {
                    await SendAsync(command, body);
                }
            }

            var info = await client.Disconnected;
            if (info.Kind != DisconnectKind.ClosedLocally)
            {
                await SendClosedAsync(info);
            }

            // Wakes the command loop if it waits for the Firefly client.
            socket.Input.CancelPendingRead();
        }

        public void Dispose() => _writing.Dispose();

        public Task SendClosedAsync(DisconnectInfo info) => SendAsync(FireflyJson.DisconnectPush, FireflyJson.Disconnected(info));

        private async Task SendAsync(uint command, byte[] body)
        {
            await _writing.WaitAsync();
            try
            {
                FireflyCodec.Write(socket.Output, format, command, body);
                await socket.Output.FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
            {
                // The Firefly client is gone; its read side ends the conversation.
            }
            finally
            {
                _writing.Release();
            }
        }

        [LoggerMessage(EventId = LogEvents.FireflyBadPacket, Level = LogLevel.Information, Message = "Firefly door: dropped a client after a bad packet ({Status})")]
        private static partial void LogBadPacket(ILogger logger, FireflyReadStatus status);
    }

    /// <summary>Firefly commands as the client's typed calls.</summary>
    private sealed class Commands(MmoClient client)
    {
        public async Task<byte[]> HandleAsync(uint command, byte[] body)
        {
            JsonElement request;
            try
            {
                using var document = JsonDocument.Parse(body);
                request = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return FireflyJson.Failure(ErrorCode.InvalidPayload);
            }

            try
            {
                return command switch
                {
                    FireflyJson.Heartbeat => await HeartbeatAsync(),
                    FireflyJson.Login => await LoginAsync(request),
                    FireflyJson.CreateCharacter => await CreateCharacterAsync(request),
                    FireflyJson.EnterWorld => await EnterWorldAsync(request),
                    FireflyJson.Move => await MoveAsync(request),
                    FireflyJson.Chat => await ChatAsync(request),
                    _ => FireflyJson.Failure(ErrorCode.UnknownOpcode),
                };
            }
            catch (MmoErrorException ex)
            {
                return FireflyJson.Failure(ex.Code);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or KeyNotFoundException)
            {
                // A field of the wrong type or missing: the body is not what the command takes.
                return FireflyJson.Failure(ErrorCode.InvalidPayload);
            }
        }

        private async Task<byte[]> HeartbeatAsync()
        {
            var ping = await client.PingAsync();
            return FireflyJson.Success(w => w.WriteNumber("serverTimeMs", ping.ServerTime.ToUnixTimeMilliseconds()));
        }

        private async Task<byte[]> LoginAsync(JsonElement request)
        {
            var login = await client.LoginAsync(FireflyJson.RequiredString(request, "username"), FireflyJson.RequiredString(request, "password"));
            var characters = await client.ListCharactersAsync();
            return FireflyJson.Success(w =>
            {
                w.WriteString("userId", login.AccountId);
                if (characters.Count > 0)
                {
                    w.WriteString("characterId", characters[0].CharacterId);
                }
                else
                {
                    w.WriteNull("characterId");
                }

                w.WriteBoolean("hasRole", characters.Count > 0);
            });
        }

        private async Task<byte[]> CreateCharacterAsync(JsonElement request)
        {
            var name = FireflyJson.OptionalString(request, "name") ?? FireflyJson.OptionalString(request, "nickName") ?? FireflyJson.RequiredString(request, "nickname");
            var character = await client.CreateCharacterAsync(name);
            return FireflyJson.Success(w =>
            {
                w.WriteString("characterId", character.CharacterId);
                w.WriteString("name", character.Name);
            });
        }

        private async Task<byte[]> EnterWorldAsync(JsonElement request)
        {
            var characterId = FireflyJson.OptionalString(request, "characterId");
            if (characterId is null)
            {
                var characters = await client.ListCharactersAsync();
                characterId = characters.Count > 0 ? characters[0].CharacterId : throw new MmoErrorException(Protocol.Opcode.EnterWorld, new ErrorResponse { Code = ErrorCode.CharacterNotFound });
            }

            var entered = await client.EnterWorldAsync(characterId);
            return FireflyJson.Success(w =>
            {
                w.WriteString("characterId", entered.Character.CharacterId);
                w.WriteString("name", entered.Character.Name);
                FireflyJson.WriteArrival(w, entered.Arrival);
            });
        }

        private async Task<byte[]> MoveAsync(JsonElement request)
        {
            var moved = await client.MoveAsync(request.GetProperty("x").GetSingle(), request.GetProperty("y").GetSingle());
            return FireflyJson.Success(w =>
            {
                w.WriteBoolean("accepted", moved.Accepted);
                w.WriteNumber("x", moved.Position?.X ?? 0);
                w.WriteNumber("y", moved.Position?.Y ?? 0);
                if (!moved.Accepted)
                {
                    w.WriteString("rejection", FireflyJson.Name(moved.Rejection));
                }

                if (moved.ZoneChanged is { } arrival)
                {
                    w.WriteStartObject("zoneChanged");
                    FireflyJson.WriteArrival(w, arrival);
                    w.WriteEndObject();
                }
            });
        }

        private async Task<byte[]> ChatAsync(JsonElement request)
        {
            var channel = FireflyJson.Channel(FireflyJson.OptionalString(request, "channel") ?? "say");
            await client.ChatAsync(channel, FireflyJson.RequiredString(request, "text"), FireflyJson.OptionalString(request, "to") ?? "");
            return FireflyJson.Success(_ => { });
        }
    }
}
