package dev.berth.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty server: one port, HTTP/1.1, epoll where available. */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  /** Longest request line accepted. */
  public static final int MAX_INITIAL_LINE_BYTES = 16 * 1024;

  /** Largest header block accepted. */
  public static final int MAX_HEADER_BYTES = 64 * 1024;

  /** Largest body chunk handed to handlers at once. */
  public static final int MAX_CHUNK_BYTES = 1024 * 1024;

  /**
   * Largest socket read: a large body arrives in reads of up to this size (Netty's default is 64
   * KiB), so that each read is one message for the worker instead of several.
   */
  static final int MAX_READ_BYTES = 256 * 1024;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel channel;
  private final String transport;

  private HttpServer(
      EventLoopGroup boss, EventLoopGroup workers, Channel channel, String transport) {
    this.boss = boss;
    this.workers = workers;
    this.channel = channel;
    this.transport = transport;
  }

  /**
   * Binds and starts serving.
   *
   * @param bind address to listen on
   * @param port port, or 0 for any free one
   * @param router the route table
   * @param executor runs request processing off the event loops
   * @param commonHeaders headers on every response
   */
  public static HttpServer start(
      String bind, int port, Router router, Executor executor, Map<String, String> commonHeaders)
      throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, io);
    HttpDecoderConfig decoder =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            .setMaxChunkSize(MAX_CHUNK_BYTES);
    try {
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.AUTO_READ, false)
              .childOption(ChannelOption.TCP_NODELAY, true)
              // Netty's default (adaptive) allocator runs in a low-memory mode when the heap is
              // at most 512 MiB, as with our default JVM options: one shared magazine, so buffers
              // wanted at once by an event loop and a worker fall back to fresh, zeroed direct
              // memory. The pooled allocator's arenas serve both without that.
              .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
              .childOption(
                  ChannelOption.RCVBUF_ALLOCATOR,
                  new AdaptiveRecvByteBufAllocator(512, 16 * 1024, MAX_READ_BYTES))
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast("codec", new HttpServerCodec(decoder))
                          .addLast("continue", new HttpServerExpectContinueHandler())
                          .addLast("chunked", new ChunkedWriteHandler())
                          .addLast("app", new ConnectionHandler(router, executor, commonHeaders));
                    }
                  });
      Channel channel = bootstrap.bind(bind, port).sync().channel();
      return new HttpServer(boss, workers, channel, epoll ? "epoll" : "nio");
    } catch (InterruptedException | RuntimeException e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** {@code epoll} or {@code nio}. */
  public String transport() {
    return transport;
  }

  /** Stops accepting connections; open connections keep being served until {@link #close}. */
  public void stopAccepting() {
    channel.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    // Bounded waits: a stuck connection must not keep the process from exiting.
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    LOG.debug("server on {} stopped", channel.localAddress());
  }
}
