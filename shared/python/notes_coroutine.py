"""coroutine: a producer and a consumer pass control back and forth; nothing runs in parallel.

Run this file: both versions must print the same transcript.
"""
import asyncio


# @code coroutine:state-machine
def consumer():
    r = ""
    while True:
        n = yield r  # hand r back, stop here until the next send(n)
        if not n:
            return
        print(f"[CONSUMER] Consuming {n}...")
        r = "200 OK"

def produce(rounds):
    c = consumer()
    c.send(None)  # run to the first yield
    for n in range(1, rounds + 1):
        print(f"[PRODUCER] Producing {n}...")
        print(f"[PRODUCER] Consumer return: {c.send(n)}")
    c.close()
# @end


# @code coroutine:async
async def produce_async(rounds):
    to_consumer, to_producer = asyncio.Queue(1), asyncio.Queue(1)
    async def consume():
        while (n := await to_consumer.get()) is not None:
            print(f"[CONSUMER] Consuming {n}...")
            await to_producer.put("200 OK")
    task = asyncio.create_task(consume())
    for n in range(1, rounds + 1):
        print(f"[PRODUCER] Producing {n}...")
        await to_consumer.put(n)  # the loop switches to the consumer here
        print(f"[PRODUCER] Consumer return: {await to_producer.get()}")
    await to_consumer.put(None)
    await task
# @end


if __name__ == "__main__":
    import contextlib
    import io
    outputs = []
    for run in (lambda: produce(5), lambda: asyncio.run(produce_async(5))):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            run()
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1], outputs
    assert outputs[0].count("200 OK") == 5
    print(outputs[0], end="")
