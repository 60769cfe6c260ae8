# A real Flask app for the demo and the e2e tests: answers on
# 127.0.0.1:5000 (or $PORT) and logs a line per request.
import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello from flask, pid %d\n" % os.getpid()


if __name__ == "__main__":
    print("flask-app starting, pid %d" % os.getpid(), flush=True)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
