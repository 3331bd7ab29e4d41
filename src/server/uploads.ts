// Multipart uploads (GraphQL multipart request spec, via graphql-upload): the middleware and the
// Upload scalar, and reading one upload into memory under a byte limit. graphql-upload limits each
// file but not their sum, and hands the operation to Apollo while files are still arriving, so the
// whole request's size is checked here: up front from Content-Length, and as bytes arrive.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { GraphQLScalarType } from "graphql";
import GraphQLUploadScalar from "graphql-upload/GraphQLUpload.mjs";
import graphqlUploadExpress from "graphql-upload/graphqlUploadExpress.mjs";
import processRequest from "graphql-upload/processRequest.mjs";
import { AppError, closedMessage } from "../errors/app-error.ts";
import { answerNow } from "./request.guards.ts";

export interface FileUpload {
  filename: string;
  mimetype: string;
  encoding: string;
  createReadStream(options?: { highWaterMark?: number }): NodeJS.ReadableStream;
}

export const GraphQLUpload = GraphQLUploadScalar as GraphQLScalarType;

export interface UploadLimits {
  /** Largest file (MAX_UPLOAD_BYTES). */
  maxFileBytes: number;
  /** Files per request. */
  maxFiles: number;
  /** Largest whole multipart body: files, operations and map together (MAX_REQUEST_UPLOAD_BYTES). */
  maxRequestBytes: number;
  /** Largest operations or map field (MAX_JSON_BODY_BYTES, as for a JSON body). */
  maxFieldBytes: number;
}

function tooLarge(limit: number): string {
  return `${closedMessage("PAYLOAD_TOO_LARGE")}: a multipart request may carry at most ${limit} bytes (MAX_REQUEST_UPLOAD_BYTES)`;
}

export function uploadMiddleware(limits: UploadLimits): RequestHandler {
  const uploads = graphqlUploadExpress({
    maxFileSize: limits.maxFileBytes,
    maxFiles: limits.maxFiles,
    maxFieldSize: limits.maxFieldBytes,
    processRequest(request, response, options) {
      const processing = processRequest(request, response, options);
      // processRequest pipes the request synchronously, so this listener sees every byte too.
      let received = 0;
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received <= limits.maxRequestBytes) return;
        request.off("data", count);
        (request as Request).log?.warn({ received, limit: limits.maxRequestBytes }, "refused a multipart request over the total upload limit");
        // Closing the connection makes graphql-upload reject the pending uploads and delete its spooled files.
        request.unpipe();
        answerNow(request, response, "PAYLOAD_TOO_LARGE", tooLarge(limits.maxRequestBytes));
      };
      request.on("data", count);
      return processing;
    },
  }) as RequestHandler;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is("multipart/form-data")) {
      next();
      return;
    }
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limits.maxRequestBytes) {
      // Nothing is read or spooled; the connection closes after the answer.
      res.setHeader("connection", "close");
      res.status(413).json({ errors: [{ message: tooLarge(limits.maxRequestBytes), extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
      return;
    }
    const send = res.send;
    void uploads(req, res, next);
    // graphql-upload defers send until the body has ended, then sends even when the request was
    // answered meanwhile (a timeout, the total above), which throws outside any handler. This
    // deferral drops a late send instead.
    res.send = function deferredSend(this: Response, ...args: Parameters<Response["send"]>) {
      let done = false;
      const go = () => {
        if (done) return;
        done = true;
        if (!res.headersSent) send.apply(res, args);
      };
      if (req.readableEnded || req.destroyed) go();
      else {
        req.once("end", go);
        req.once("close", go);
      }
      return res;
    };
  };
}

/** Reads an upload fully; PAYLOAD_TOO_LARGE past `maxBytes`, BAD_USER_INPUT for a broken stream. */
export async function readUpload(upload: Promise<FileUpload>, maxBytes: number): Promise<Uint8Array> {
  const file = await upload;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of file.createReadStream()) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The upload ${file.filename} is larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const status = (error as { status?: number }).status;
    if (status === 413) throw new AppError("PAYLOAD_TOO_LARGE", `The upload ${file.filename} is too large`);
    throw new AppError("BAD_USER_INPUT", `The upload ${file.filename} could not be read: ${(error as Error).message}`);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
