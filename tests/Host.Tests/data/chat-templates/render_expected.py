"""Renders the chat-template fixtures of this folder with Python's jinja2, set up as Hugging Face transformers sets
it up (transformers/utils/chat_template_utils.py: trim_blocks, lstrip_blocks, loop controls, a tojson that is
json.dumps(ensure_ascii=False)). Run once from the repository root; the .expected.txt files are committed.

    python3 tests/Host.Tests/data/chat-templates/render_expected.py
"""
import json
import os

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def render(template, **variables):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(**variables)


# The messages of the chat request in the Host tests, as an OpenAI client sends them: the assistant's content is
# null and the call's arguments are a JSON string.
ARGUMENTS = '{"city": "Oslo"}'
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def messages(arguments):
    return [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "-3 C"},
    ]


# The default model's special tokens (models/default/tokenizer_config.json), which the Host test's copy keeps.
BOS, EOS = "<s>", "</s>"

with open(os.path.join(ROOT, "tests", "Tokenizers.Tests", "data", "deepseek-v3", "tokenizer_config.json"), encoding="utf-8") as f:
    deepseek = json.load(f)["chat_template"]

# DeepSeek-V3 concatenates tool['function']['arguments']: it takes the string as the request gives it.
text = render(deepseek, messages=messages(ARGUMENTS), tools=TOOLS, add_generation_prompt=True, bos_token=BOS, eos_token=EOS)
with open(os.path.join(HERE, "deepseek-v3-tool-call.expected.txt"), "w", encoding="utf-8", newline="") as f:
    f.write(text)

# The Qwen-style template of data/model-output prints the arguments with tojson: it takes them as a mapping, as
# transformers asks of callers.
with open(os.path.join(HERE, "..", "model-output", "qwen-style-tools-template.jinja"), encoding="utf-8") as f:
    qwen = f.read()
text = render(qwen, messages=messages(json.loads(ARGUMENTS)), tools=TOOLS, add_generation_prompt=True, bos_token=BOS, eos_token=EOS)
with open(os.path.join(HERE, "qwen-style-tool-call.expected.txt"), "w", encoding="utf-8", newline="") as f:
    f.write(text)

# Given the arguments as a mapping, DeepSeek-V3's template fails in jinja2 too.
try:
    render(deepseek, messages=messages(json.loads(ARGUMENTS)), add_generation_prompt=True, bos_token=BOS, eos_token=EOS)
    raise SystemExit("expected DeepSeek-V3's template to refuse mapping arguments")
except TypeError as e:
    print("DeepSeek-V3 with mapping arguments:", e)
