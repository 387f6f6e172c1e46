import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler'

type Serializer = ReturnType<ReturnType<SerializerFactory>>

/**
 * Response serializers, compiled once per process for each distinct schema. Compiling them
 * (fast-json-stringify generates a function per response schema) took about 300 ms of every
 * app's start; a production process starts one app and pays that once, as before, but a test
 * run starts about a hundred and fifty in its workers. A serializer is a pure function of its
 * schema and of the shared schemas it may refer to, so the text of both is the key.
 */
const compiled = new Map<string, Serializer>()

export function sharedSerializers(): SerializerFactory {
  const buildDefault = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = buildDefault(externalSchemas, options)
    const context = JSON.stringify([externalSchemas ?? null, options ?? null])
    return (route) => {
      const key = `${context}\n${JSON.stringify(route.schema ?? null)}`
      let serializer = compiled.get(key)
      if (serializer === undefined) {
        serializer = compile(route)
        compiled.set(key, serializer)
      }
      return serializer
    }
  }
}
