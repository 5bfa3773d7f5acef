-- GET one path that answers with a redirect (3xx counts as an answer, not an error):
-- wrk -s redirect.lua URL -- PATH HEADER-NAME HEADER-VALUE
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "get.lua")

function response(status, headers, body)
  if status < 200 or status > 399 then
    non2xx = non2xx + 1
  end
end
