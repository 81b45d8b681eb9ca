import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saysModelMissing, serverMessage, statusError } from '../../../src/remote/remoteErrors';

describe('remote server errors', () => {
  it('reads the error body of OpenAI, vLLM and FastAPI servers', () => {
    assert.equal(serverMessage('{"error":{"message":"bad key","type":"auth"}}'), 'bad key');
    assert.equal(serverMessage('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}'), 'The model `x` does not exist.');
    assert.equal(serverMessage('{"detail":"Invalid API Key"}'), 'Invalid API Key');
    assert.equal(serverMessage('{"detail":[{"loc":["body","prompt"],"msg":"field required"}]}'), 'field required');
    assert.equal(serverMessage('<html>\n  <body>502 Bad Gateway</body></html>'), '<html> <body>502 Bad Gateway</body></html>');
  });

  it('tells a missing model from a missing endpoint', () => {
    assert.equal(saysModelMissing('The model `team-python` does not exist.'), true);
    assert.equal(saysModelMissing('Not Found'), false);
    const model = statusError(404, '{"message":"The model `team-python` does not exist."}', 'http://gpu:8000', '/v1/completions', 'team-python', false);
    assert.equal(model.kind, 'model');
    assert.match(model.message, /does not serve the model "team-python"/);
    const endpoint = statusError(404, '{"detail":"Not Found"}', 'http://gpu:8000', '/api/v1/completions', 'm', false);
    assert.equal(endpoint.kind, 'notFound');
    assert.match(endpoint.message, /has no \/api\/v1\/completions/);
  });

  it('says whether a key was sent when the server refuses', () => {
    const without = statusError(401, '{"detail":"Invalid API Key"}', 'http://gpu:8000', '/v1/completions', 'm', false);
    assert.equal(without.kind, 'auth');
    assert.match(without.message, /needs an API key/);
    assert.match(without.message, /"Invalid API Key"/);
    assert.match(statusError(403, '', 'http://gpu:8000', '/v1/completions', 'm', true).message, /key is wrong/);
  });
});
