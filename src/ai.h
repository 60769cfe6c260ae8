/*
 * ai.h - ask a language model to explain a failure.
 *
 * Groq and any OpenAI-compatible endpoint (llama.cpp's server,
 * LiteLLM) speak chat completions; a local Ollama speaks /api/chat with
 * stream false.  The prompt carries the evidence a heal gathered, with
 * secrets redacted first; the answer is asked for, and parsed, as four
 * sections: ROOT CAUSE, WHY, FIX, PREVENTION.  It is only text for the
 * report: ansai never runs anything a model says.
 *
 * The whole exchange (name lookup aside: see tcp.h) is bounded by
 * [ai] timeout_sec.  Any failure (no key, refused, rate limited past
 * the deadline, too large, malformed, late) leaves the built-in
 * analysis in place and says why in ai_answer.failure.
 */
#ifndef ANSAI_AI_H
#define ANSAI_AI_H

#include <stddef.h>

#include "analyse.h"
#include "conf.h"

struct heal;

#define AI_KEY_MAX	512
#define AI_ANSWER_MAX	65536	/* the server's whole response body */

struct ai_answer {
	int ok;			/* sections holds the model's answer */
	struct analysis sections;
	char model[CONF_WORD_MAX];
	char endpoint[160];	/* URL as shown: no path secrets */
	char failure[320];	/* why there is no answer */
	unsigned redacted;	/* values removed from the prompt */
	int redaction_skipped;	/* local Ollama, skip_redaction = yes */
	size_t prompt_bytes;	/* the prompt as sent */
	int status;		/* last HTTP status, 0 none */
	long ms;		/* how long it took */
};

/* Explain h (its evidence and the built-in analysis) with the model
 * configured in c->ai.  0 with out->ok set, or -1 with out->failure. */
int ai_explain(const struct conf *c, const struct heal *h,
    const struct analysis *builtin, struct ai_answer *out);

/* Parse the four sections out of a model's text into a; the source is
 * left to the caller.  0 when all four were found, else -1. */
int ai_sections(const char *text, struct analysis *a);

/* Write the prompt for h into buf[cap] (cut to fit, keeping the newest
 * journal lines) and return its length. */
size_t ai_prompt(const struct heal *h, const struct analysis *builtin,
    char *buf, size_t cap);

/* Read the API key: [ai] key_file, else the systemd credential
 * $CREDENTIALS_DIRECTORY/ansai-ai-key.  A file others may read is
 * refused.  1 with the key (blanks trimmed), 0 when none is set up, -1
 * with why[wn]. */
int ai_key_load(const struct conf_ai *ai, char *key, size_t n, char *why,
    size_t wn);

#endif
