-- POST valid, distinct prediction bodies (what a weave evaluation sends per dataset row):
-- wrk -s create_prediction.lua URL -- PATH HEADER-NAME HEADER-VALUE (the Authorization header)
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "create.lua") -- init(), which sets path and headers, and the shared report

local counter = 0

function request()
  counter = counter + 1
  local body = string.format(
    '{"model":"weave:///bench/models/object/gpt_model:v3",'
      .. '"inputs":{"question":"What is %d plus %d?","row":%d,"thread":%d},'
      .. '"output":{"answer":"%d","tokens":%d,"finish_reason":"stop"},'
      .. '"evaluation_run_id":"run-%d"}',
    counter, id, counter, id, counter + id, counter % 300, counter % 10)
  return wrk.format("POST", path, headers, body)
end
