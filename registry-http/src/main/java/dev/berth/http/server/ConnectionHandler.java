package dev.berth.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection with explicit backpressure. Auto-read is off: the event loop only queues
 * decoded HTTP objects; one drain task at a time processes them in order on the worker executor (so
 * blocking storage I/O never runs on the event loop) and the socket is read ahead only while less
 * than {@link #READ_AHEAD_BYTES} of body is queued. A request body is therefore never read faster
 * than storage absorbs it, memory per connection is bounded by the read-ahead window plus one
 * socket read, and the network and the storage work in parallel instead of taking turns per chunk.
 *
 * <ol>
 *   <li>Headers arrive: the route and endpoint are chosen; a streaming endpoint's sink is opened.
 *   <li>Body chunks arrive: streamed to the sink, collected up to a limit, or dropped.
 *   <li>The last chunk arrives: the response is produced and written; the access log line is
 *       written when the response is fully sent.
 * </ol>
 *
 * <p>An error before the body ends is answered after the rest of the body was discarded, so the
 * client sees the status instead of a reset; a buffered body over its limit is answered at once and
 * the connection closed.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);
  private static final Object CLOSED = new Object();

  /**
   * How much of a failed request's body is read and dropped so that the client sees the error
   * status instead of a reset; past this the error is sent at once and the connection closed.
   */
  static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;

  private final Router router;
  private final Executor worker;
  private final Map<String, String> commonHeaders;
  private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicLong queuedBytes =
      new java.util.concurrent.atomic.AtomicLong();

  /** How much request body may wait in the queue while the socket is read further. */
  static final long READ_AHEAD_BYTES = 2 * 1024 * 1024;

  private @Nullable ChannelHandlerContext ctx;

  // Confined to the drain task (one at a time).
  private @Nullable InFlight current;
  private volatile boolean closed;

  /**
   * @param router the route table
   * @param worker runs request processing and storage I/O
   * @param commonHeaders headers every response carries
   */
  public ConnectionHandler(Router router, Executor worker, Map<String, String> commonHeaders) {
    this.router = router;
    this.worker = worker;
    this.commonHeaders = Map.copyOf(commonHeaders);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    queuedBytes.addAndGet(sizeOf(msg));
    inbox.add(msg);
    schedule();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Read ahead while the drain task works, up to the window; the drain task asks again as it
    // consumes.
    if (!closed && queuedBytes.get() < READ_AHEAD_BYTES && !inbox.isEmpty()) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  private static long sizeOf(Object msg) {
    if (msg instanceof io.netty.buffer.ByteBufHolder holder) {
      return holder.content().readableBytes();
    }
    return msg instanceof ByteBuf buf ? buf.readableBytes() : 0;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    inbox.add(CLOSED);
    schedule();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      LOG.warn("connection {} failed", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }

  private void schedule() {
    if (draining.compareAndSet(false, true)) {
      try {
        worker.execute(this::drain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // Shutting down: drop what is queued and the connection with it.
        Object msg;
        while ((msg = inbox.poll()) != null) {
          if (msg != CLOSED) {
            ReferenceCountUtil.release(msg);
          }
        }
        ChannelHandlerContext c = ctx;
        if (c != null) {
          c.close();
        }
      }
    }
  }

  private void drain() {
    for (; ; ) {
      Object msg;
      while ((msg = inbox.poll()) != null) {
        long size = sizeOf(msg);
        try {
          process(msg);
        } catch (RuntimeException e) {
          LOG.error("unexpected failure processing a request", e);
          closeNow();
        } catch (Error e) {
          // E.g. direct memory exhausted: the client must not wait for an answer that never comes.
          LOG.error("fatal failure processing a request; closing the connection", e);
          closeNow();
          throw e;
        } finally {
          if (msg != CLOSED) {
            ReferenceCountUtil.release(msg);
          }
        }
        if (queuedBytes.addAndGet(-size) < READ_AHEAD_BYTES && size > 0 && !closed) {
          ChannelHandlerContext c = ctx;
          if (c != null) {
            c.read();
          }
        }
      }
      draining.set(false);
      if (inbox.isEmpty() || !draining.compareAndSet(false, true)) {
        break;
      }
    }
    if (!closed) {
      ChannelHandlerContext c = ctx;
      if (c != null) {
        c.read();
      }
    }
  }

  private void process(Object msg) {
    if (msg == CLOSED) {
      closed = true;
      if (current != null) {
        current.abort();
        current = null;
      }
      return;
    }
    if (closed) {
      return;
    }
    if (msg instanceof HttpRequest request) {
      begin(request);
    }
    if (msg instanceof HttpContent content
        && !(msg instanceof HttpRequest)
        && content.decoderResult().isFailure()) {
      InFlight flight = current;
      current = null;
      HttpProblem problem =
          new HttpProblem(
              HttpResponseStatus.BAD_REQUEST,
              "malformed request body: " + content.decoderResult().cause().getMessage());
      if (flight != null) {
        flight.fail(problem, router.fallbackErrors(), Answer.NOW_AND_CLOSE);
      } else {
        closeNow();
      }
      return;
    }
    if (msg instanceof HttpContent content && current != null) {
      InFlight flight = current;
      flight.consume(content.content());
      if (msg instanceof LastHttpContent) {
        current = null;
        flight.finish();
      }
    }
  }

  private void begin(HttpRequest request) {
    long start = System.nanoTime();
    if (current != null) {
      current.abort();
    }
    InFlight flight = new InFlight(request, start);
    current = flight;
    if (request.decoderResult().isFailure()) {
      flight.fail(
          new HttpProblem(
              HttpResponseStatus.BAD_REQUEST,
              "malformed request: " + request.decoderResult().cause().getMessage()),
          router.fallbackErrors(),
          Answer.NOW_AND_CLOSE);
      return;
    }
    QueryStringDecoder uri;
    try {
      uri = new QueryStringDecoder(request.uri());
      uri.path();
    } catch (IllegalArgumentException e) {
      flight.fail(
          new HttpProblem(HttpResponseStatus.BAD_REQUEST, "malformed request URI"),
          router.fallbackErrors(),
          Answer.AFTER_BODY);
      return;
    }
    var match = router.match(uri.path());
    if (match.isEmpty()) {
      flight.fail(
          new HttpProblem(HttpResponseStatus.NOT_FOUND, "unknown API route: " + uri.path()),
          router.fallbackErrors(),
          Answer.AFTER_BODY);
      return;
    }
    Route route = match.get().route();
    flight.errors = route.errors();
    var endpoint = match.get().endpoint(request.method());
    if (endpoint.isEmpty()) {
      flight.fail(
          new HttpProblem(
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              request.method() + " is not allowed on " + uri.path(),
              Map.of(HttpHeaderNames.ALLOW.toString(), match.get().allow())),
          route.errors(),
          Answer.AFTER_BODY);
      return;
    }
    InetSocketAddress remote =
        ctx != null && ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
    flight.start(endpoint.get(), new Exchange(request, uri, match.get().params(), remote));
  }

  private void closeNow() {
    closed = true;
    if (current != null) {
      current.abort();
      current = null;
    }
    ChannelHandlerContext c = ctx;
    if (c != null) {
      c.close();
    }
  }

  /** The request being received. */
  private final class InFlight {
    final HttpRequest request;
    final long start;
    final boolean keepAlive;
    ErrorRenderer errors = router.fallbackErrors();
    @Nullable Endpoint endpoint;
    @Nullable Exchange exchange;
    @Nullable BodySink sink;
    @Nullable CompositeByteBuf buffer;
    @Nullable Throwable failure;
    long discarded;
    boolean responded;
    boolean lingering;

    InFlight(HttpRequest request, long start) {
      this.request = request;
      this.start = start;
      this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    void start(Endpoint endpoint, Exchange exchange) {
      this.endpoint = endpoint;
      this.exchange = exchange;
      switch (endpoint.mode()) {
        case DISCARD -> {}
        case BUFFERED -> {
          long declared = HttpUtil.getContentLength(request, -1L);
          if (declared > endpoint.maxBodyBytes()) {
            fail(
                tooLarge(endpoint),
                errors,
                declared > MAX_DISCARD_BYTES ? Answer.NOW_AND_CLOSE : Answer.NOW_THEN_DRAIN);
            return;
          }
          buffer = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        }
        case STREAMING -> {
          try {
            sink = endpoint.streaming().begin(exchange);
          } catch (Exception e) {
            failure = e;
          }
        }
      }
    }

    void consume(ByteBuf chunk) {
      if (failure != null || endpoint == null) {
        discarded += chunk.readableBytes();
        if (discarded > MAX_DISCARD_BYTES) {
          // Too much to drain politely: answer now (if not yet done) and drop the connection.
          fail(
              failure == null ? new IllegalStateException() : failure,
              errors,
              Answer.NOW_AND_CLOSE);
          closeNow();
        }
        return;
      }
      if (!chunk.isReadable()) {
        return;
      }
      try {
        if (buffer != null) {
          if (buffer.readableBytes() + (long) chunk.readableBytes() > endpoint.maxBodyBytes()) {
            fail(tooLarge(endpoint), errors, Answer.AFTER_BODY);
            return;
          }
          buffer.addComponent(true, chunk.retain());
        } else if (sink != null) {
          sink.write(chunk);
        }
      } catch (Exception e) {
        failure = e;
        abortSink();
      }
    }

    void finish() {
      if (lingering) {
        closeNow();
        return;
      }
      if (failure != null || endpoint == null) {
        respond(errors.render(failure == null ? new IllegalStateException() : failure), false);
        return;
      }
      Response response;
      try {
        if (sink != null) {
          BodySink s = sink;
          sink = null;
          response = s.finish();
        } else {
          if (buffer != null) {
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            buffer.release();
            buffer = null;
            exchange.body(bytes);
          }
          response = endpoint.handler().handle(exchange);
        }
      } catch (Exception e) {
        abortSink();
        response = errors.render(e);
      }
      respond(response, false);
    }

    /** Records a failure and answers it as {@code answer} says. */
    void fail(Throwable problem, ErrorRenderer renderer, Answer answer) {
      this.errors = renderer;
      this.failure = problem;
      abortSink();
      switch (answer) {
        case AFTER_BODY -> {}
        case NOW_THEN_DRAIN -> {
          lingering = true;
          if (!responded) {
            responded = true;
            write(this, renderer.render(problem), true, false);
          }
        }
        case NOW_AND_CLOSE -> {
          current = null;
          respond(renderer.render(problem), true);
          closed = true;
        }
      }
    }

    void abort() {
      abortSink();
    }

    private void abortSink() {
      if (sink != null) {
        BodySink s = sink;
        sink = null;
        s.abort();
      }
      if (buffer != null) {
        buffer.release();
        buffer = null;
      }
    }

    private void respond(Response response, boolean close) {
      if (responded) {
        return;
      }
      responded = true;
      boolean last = close || !keepAlive;
      write(this, response, last, last);
    }
  }

  /** When a failure is answered. */
  private enum Answer {
    /** Once the rest of the body has been read and dropped; the connection stays open. */
    AFTER_BODY,
    /**
     * At once, announcing {@code Connection: close}; the body is drained, then the connection
     * closed.
     */
    NOW_THEN_DRAIN,
    /** At once, and the connection is closed. */
    NOW_AND_CLOSE
  }

  private static HttpProblem tooLarge(Endpoint endpoint) {
    return new HttpProblem(
        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
        "request body exceeds " + endpoint.maxBodyBytes() + " bytes");
  }

  /**
   * Writes a response; {@code connectionClose} announces the end of the connection, {@code
   * closeWhenWritten} closes it once the response is out.
   */
  private void write(
      InFlight flight, Response response, boolean connectionClose, boolean closeWhenWritten) {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    boolean head = HttpMethod.HEAD.equals(flight.request.method());
    Response.Body body = response.body();
    boolean sendBody = !head && !response.isLengthOnly();
    long length = body.length();
    HttpResponse head0;
    var status = response.status();
    if (!sendBody || body instanceof Response.Empty || body instanceof Response.Bytes) {
      ByteBuf content =
          sendBody && body instanceof Response.Bytes bytes
              ? Unpooled.wrappedBuffer(bytes.bytes())
              : Unpooled.EMPTY_BUFFER;
      head0 = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    } else {
      head0 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    }
    head0.headers().add(response.headers());
    commonHeaders.forEach(head0.headers()::set);
    if (status.code() != 204 && status.code() != 304) {
      head0.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
    } else {
      head0.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    if (connectionClose) {
      head0.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (flight.request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      head0.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ChannelFuture done;
    long sent = sendBody ? length : 0;
    if (head0 instanceof DefaultFullHttpResponse) {
      done = c.writeAndFlush(head0);
    } else if (body instanceof Response.FileRange file) {
      FileChannel channel;
      try {
        channel = FileChannel.open(file.file(), StandardOpenOption.READ);
      } catch (IOException e) {
        LOG.error("cannot open {} for a response", file.file(), e);
        closeNow();
        return;
      }
      c.write(head0);
      c.write(new DefaultFileRegion(channel, file.offset(), file.length()));
      done = c.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    } else {
      Response.Stream stream = (Response.Stream) body;
      c.write(head0);
      done = pump(c, stream);
    }
    String method = flight.request.method().name();
    String uri = flight.request.uri();
    int code = status.code();
    done.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) {
                LOG.debug("writing response to {} failed", f.channel().remoteAddress(), f.cause());
              }
              AccessLog.log(method, uri, code, f.isSuccess() ? sent : -1, flight.start);
            });
    if (closeWhenWritten) {
      done.addListener(ChannelFutureListener.CLOSE);
    }
    if (body instanceof Response.Stream stream && !sendBody) {
      closeQuietly(stream);
    }
  }

  /**
   * Copies a stream body to the connection from this (worker) thread, so that blocking reads (from
   * a remote store, or decryption) never run on the event loop. Backpressure with a window of one
   * chunk: the next chunk is read while the previous one is being written, and written only once
   * the previous one has reached the socket, so reading and writing overlap and at most two chunks
   * are in memory per response.
   */
  private static ChannelFuture pump(ChannelHandlerContext c, Response.Stream stream) {
    ChannelFuture previous = null;
    try (java.nio.channels.ReadableByteChannel in = stream.channel()) {
      while (true) {
        ByteBuf chunk = c.alloc().buffer(STREAM_CHUNK_BYTES);
        int read;
        try {
          // A pooled buffer's view starts where the buffer lies in its chunk, not at 0.
          java.nio.ByteBuffer target = chunk.internalNioBuffer(0, STREAM_CHUNK_BYTES);
          int start = target.position();
          int n = 0;
          while (target.hasRemaining() && (n = in.read(target)) >= 0) {
            // fill the chunk
          }
          int filled = target.position() - start;
          read = filled == 0 && n < 0 ? -1 : filled;
          chunk.writerIndex(Math.max(read, 0));
        } catch (IOException | RuntimeException e) {
          chunk.release();
          throw e;
        }
        if (previous != null) {
          previous.awaitUninterruptibly();
          if (!previous.isSuccess()) {
            chunk.release();
            return previous;
          }
        }
        if (read < 0) {
          chunk.release();
          return c.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        previous = c.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(chunk));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("streaming a response failed: {}", e.toString());
      if (previous != null) {
        previous.awaitUninterruptibly();
      }
      return c.close();
    }
  }

  /** Size of the chunks a stream body is copied in. */
  static final int STREAM_CHUNK_BYTES = 256 * 1024;

  private static void closeQuietly(Response.Stream stream) {
    try {
      stream.channel().close();
    } catch (IOException e) {
      LOG.debug("closing response stream failed", e);
    }
  }
}
